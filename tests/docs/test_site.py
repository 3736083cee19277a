"""The built documentation site (`make docs` -> _site/) in a real browser: headless Chromium, offline.

Serves _site/ on 127.0.0.1 and opens every page reachable from the home page. Fails on a page of nbdev's
sidebar that is missing, a local link to a page or anchor that does not exist, a console error or failed
request, a request to any other host (the site must work offline: MathJax is served from _static/), math that
MathJax did not render (or raw `$$`, `\\frac`, ... left in the text), an image that does not load, a public
symbol of the package without its API section, and a search that finds nothing. Saves screenshots of the home
page and of the LatentSeek chapter to _build/screenshots/.

Skipped when _site/ is absent (the default `pytest tests` of `make test`) or older than a notebook, or when
Playwright or Chromium is missing, unless SITE_TEST_REQUIRED=1 (as in `make test-docs` and .ci/run). Chromium is Debian's (`apt-get install chromium`),
never one downloaded by Playwright; set CHROMIUM to use another binary.
"""
import contextlib, functools, http.server, importlib.util, json, os, re, shutil, tempfile, threading, time, urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(os.environ.get('SITE_DIR', ROOT/'_site')).resolve()
SHOTS = Path(os.environ.get('SITE_SCREENSHOTS', ROOT/'_build'/'screenshots'))
REQUIRED = os.environ.get('SITE_TEST_REQUIRED') == '1'
CHROMIUM_ARGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run',
                 '--disable-background-networking', '--disable-component-update', '--disable-sync']
# LaTeX left as text: $$, or a backslash command such as \frac, \mathbf, \sum (outside code, which may show TeX)
RAW_TEX = re.compile(r'\$\$|\\(?:frac|mathbf|mathcal|mathrm|sum|log|min|max|lfloor|rfloor|rho|tau|eta|dots|begin|end)\b|\\[()\[\]]')


def _skip(why):
    if REQUIRED: pytest.fail(why + ' (SITE_TEST_REQUIRED=1)')
    pytest.skip(why)


def _chromium():
    for c in [os.environ.get('CHROMIUM'), '/usr/bin/chromium', shutil.which('chromium'), shutil.which('chromium-browser')]:
        if c and Path(c).exists(): return c


def _build_module():
    spec = importlib.util.spec_from_file_location('docs_build', ROOT/'docs'/'build.py')
    m = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(m)
    return m


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass


@contextlib.contextmanager
def serve(folder):
    "An HTTP server for `folder` on 127.0.0.1 (a free port); yields its root URL."
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try: yield f'http://127.0.0.1:{httpd.server_port}/'
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope='module')
def server():
    if not (SITE/'index.html').exists(): _skip(f'no built site in {SITE} (run `make docs`)')
    built = (SITE/'index.html').stat().st_mtime
    newer = [p.name for p in (ROOT/'nbs').rglob('*.ipynb') if p.stat().st_mtime > built]
    if newer and not REQUIRED: pytest.skip(f'_site/ is older than {newer[:3]}: run `make docs` to test it')
    with serve(SITE) as url: yield url


@pytest.fixture(scope='module')
def browser_context(server):
    try: from playwright.sync_api import sync_playwright
    except ImportError: _skip('playwright is not installed (pip install -e ".[dev]")')
    exe = _chromium()
    if exe is None: _skip('no chromium (apt-get install -y --no-install-recommends chromium)')
    with tempfile.TemporaryDirectory(prefix='chromium-profile-') as profile, sync_playwright() as p:
        ctx = p.chromium.launch_persistent_context(profile, executable_path=exe, headless=True, args=CHROMIUM_ARGS,
                                                   viewport={'width': 1440, 'height': 900}, offline=False)
        yield ctx
        ctx.close()


@pytest.fixture(scope='module')
def crawl(server, browser_context): return crawl_site(browser_context, server)


def crawl_site(ctx, origin):
    "Visit every local page reachable from the home page; collect problems per page, ids, and links."
    problems, ids, links, visited = [], {}, [], []
    external = []

    def route(r):
        u = r.request.url
        if u.startswith(origin) or u.startswith('data:') or u.startswith('blob:'): return r.continue_()
        external.append(u)
        r.abort()
    page = ctx.new_page()
    page.route('**/*', route)
    current = {'url': None}
    page.on('console', lambda m: m.type == 'error' and problems.append((current['url'], f'console error: {m.text}')))
    page.on('pageerror', lambda e: problems.append((current['url'], f'page error: {e}')))
    page.on('requestfailed', lambda r: r.url.startswith(origin) and problems.append((current['url'], f'request failed: {r.url} {r.failure}')))
    page.on('response', lambda r: r.status >= 400 and problems.append((current['url'], f'HTTP {r.status}: {r.url}')))

    queue, seen = [origin + 'index.html'], {origin + 'index.html'}
    t0 = time.time()
    while queue:
        url = queue.pop(0)
        current['url'] = url
        resp = page.goto(url, wait_until='load')
        if resp is None or resp.status != 200:
            problems.append((url, f'page not served: {resp and resp.status}'))
            continue
        visited.append(url)
        page.evaluate(_WAIT_JS)
        page.wait_for_load_state('networkidle')  # MathJax's fonts, before the next page aborts them
        info = page.evaluate(_PAGE_JS)
        ids[url] = set(info['ids'])
        for what in info['problems']: problems.append((url, what))
        for text in RAW_TEX.findall(info['text']): problems.append((url, f'unrendered math in text: {text!r}'))
        for href in info['links']:
            if not href.startswith(origin): continue
            links.append((url, href))
            target = href.split('#')[0]
            if target.endswith('.html') and target not in seen:
                seen.add(target)
                queue.append(target)
        current['url'] = None
    page.close()
    return dict(origin=origin, problems=problems, ids=ids, links=links, visited=visited, external=external,
                seconds=time.time() - t0, context=ctx)


_WAIT_JS = """async () => {
  for (const img of document.images) img.loading = 'eager';
  await Promise.all([...document.images].map(i => i.decode().catch(() => null)));
  if (document.querySelector('.math')) {
    for (let i = 0; i < 200 && !(window.MathJax && MathJax.startup && MathJax.startup.promise); i++)
      await new Promise(r => setTimeout(r, 50));
    if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  }
  await document.fonts.ready;
}"""

_PAGE_JS = """() => {
  const problems = [];
  const main = document.querySelector('article') || document.body;
  if (!document.querySelector('h1')) problems.push('no h1 title');
  if (main.innerText.trim().length < 50) problems.push('empty page');
  for (const m of document.querySelectorAll('.math'))
    if (!m.querySelector('mjx-container') && !m.closest('mjx-container'))
      problems.push('math not rendered by MathJax: ' + m.textContent.slice(0, 60));
  for (const m of document.querySelectorAll('mjx-merror'))
    problems.push('MathJax error: ' + (m.getAttribute('data-mjx-error') || m.textContent).slice(0, 80));
  for (const img of document.images)
    if (!img.complete || img.naturalWidth === 0) problems.push('broken image: ' + img.getAttribute('src'));
  const clone = main.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .highlight, textarea, table.dataframe').forEach(e => e.remove());  // a DataFrame shows data (model outputs as written), not prose math
  const ids = [...document.querySelectorAll('[id]')].map(e => e.id)
      .concat([...document.querySelectorAll('a[name]')].map(e => e.getAttribute('name')));
  const links = [...document.querySelectorAll('a[href]')].map(a => a.href);
  return {problems, ids, links, text: clone.innerText};
}"""


def _report(items): return '\n'.join(f'{u}: {w}' for u, w in items[:50])


def test_every_page_of_the_sidebar_is_built(crawl):
    b = _build_module()
    proc = b.PROC if (b.PROC/'index.ipynb').exists() else None
    expected = []
    for _, paths in b.sidebar():
        for p in paths:
            fm = b.front_matter(json.loads((proc/p).read_text()))[0] if proc and (proc/p).exists() else {}
            expected.append(b.html_name(p, fm))
    visited = {u[len(crawl['origin']):] for u in crawl['visited']}
    missing = [p for p in expected if p not in visited]
    assert not missing, f"pages of nbdev's sidebar not reachable on the site: {missing} (a stale _site/? run make docs)"
    print(f"\n{len(crawl['visited'])} pages opened, {len(crawl['links'])} local links, in {crawl['seconds']:.1f}s")


def test_pages_load_cleanly(crawl):
    "No console errors, failed requests, unrendered math or broken images on any page."
    assert not crawl['problems'], _report(crawl['problems'])


def test_offline(crawl):
    "Nothing is fetched from another host (MathJax, fonts and scripts are all local)."
    assert not crawl['external'], f"requests to other hosts: {sorted(set(crawl['external']))[:20]}"


def test_local_links_resolve(crawl):
    "Every <a href> to a local page exists, and its #anchor is an id on that page."
    bad = broken_links(crawl)
    assert not bad, _report(bad)


def broken_links(crawl):
    import urllib.request
    origin, bad, exists = crawl['origin'], [], {}
    assert crawl['links']
    for page, href in crawl['links']:
        target, _, frag = href.partition('#')
        target = target.split('?')[0]
        if target == origin: target = origin + 'index.html'
        if target not in crawl['ids']:
            if target not in exists:
                try: exists[target] = urllib.request.urlopen(target, timeout=10).status == 200
                except Exception: exists[target] = False
            if not exists[target]: bad.append((page, f'broken link: {href}'))
            elif frag: bad.append((page, f'anchor on a page that is not HTML: {href}'))
            continue
        if frag and urllib.parse.unquote(frag) not in crawl['ids'][target]: bad.append((page, f'missing anchor: {href}'))
    return bad


def test_api_reference_has_every_public_symbol(crawl):
    "nbdev's show_doc sections: each public function/class of the package has its anchor on its page."
    from latentseek._modidx import d
    origin, missing = crawl['origin'], []
    for mod, syms in d['syms'].items():
        for name, (loc, _) in syms.items():
            short = name[len(mod) + 1:]
            if '.' in short or short.startswith('_'): continue
            page, _, anchor = loc.partition('#')
            if anchor not in crawl['ids'].get(origin + page, set()): missing.append(f'{page}#{anchor}')
    assert not missing, f'symbols without an API section: {missing}'


def test_screenshots(crawl, server):
    "Screenshots of the home page and of the LatentSeek chapter (committed copies: nbs/images/)."
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = crawl['context'].new_page()
    page.set_viewport_size({'width': 1440, 'height': 1400})  # tall enough for the whole sidebar, every chapter in it
    page.goto(server + 'index.html')
    page.evaluate('localStorage.clear()')      # no search highlights left by another test
    for name, url in [('site_home.png', 'index.html'), ('site_seek.png', 'latentseek.html')]:  # the home page and the LatentSeek chapter
        page.goto(server + url, wait_until='load')
        page.evaluate(_WAIT_JS)
        page.screenshot(path=str(SHOTS/name))
        assert (SHOTS/name).stat().st_size > 10_000
    page.close()


def test_search_finds_a_symbol(crawl, server):
    page = crawl['context'].new_page()
    page.goto(server + 'search.html?q=latent_step', wait_until='load')
    page.wait_for_selector('ul.search li', timeout=15_000)
    hits = page.eval_on_selector_all('ul.search li a', 'els => els.map(e => e.getAttribute("href"))')
    page.close()
    assert any(h.startswith('latentseek.html') for h in hits), hits  # the LatentSeek chapter (nbs/08a_latentseek.ipynb)


def test_made_up_site_in_the_browser(browser_context, tmp_path):
    "The checks above on test_build.py's made-up site, which has what the real one may lack yet: plots, images."
    spec = importlib.util.spec_from_file_location('docs_test_build', Path(__file__).parent/'test_build.py')
    tb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tb)
    site = tb.build_fixture_site(tmp_path)
    with serve(site) as origin:
        c = crawl_site(browser_context, origin)
        visited = {u[len(origin):] for u in c['visited']}
        assert {'index.html', 'chap.html', 'tutorials/tut.html'} <= visited, visited
        assert not c['problems'] + broken_links(c), _report(c['problems'] + broken_links(c))
        assert not c['external'], c['external']
        page = browser_context.new_page()
        page.goto(origin + 'chap.html', wait_until='networkidle')
        page.evaluate(_WAIT_JS)
        n = page.evaluate("() => [...document.images].filter(i => i.complete && i.naturalWidth > 0).length")
        mjx = page.evaluate("() => document.querySelectorAll('mjx-container').length")
        page.close()
        assert n >= 1 and mjx >= 2, (n, mjx)
