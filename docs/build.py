"""Build the documentation site and the README from the notebooks, without Quarto.

    python docs/build.py site [--out _site]   # nbs/ -> _proc/ -> _build/site_src/ -> Sphinx (myst-nb, furo) -> _site/
    python docs/build.py readme               # _proc/index.ipynb -> README.md (GitHub markdown, via nbconvert)

nbdev's part of `nbdev_docs` is `nbdev.serve.proc_nbs`: it writes processed copies of the notebooks to `_proc/`
(directives stripped, `#| hide` cells removed, show_doc cells added for exported symbols and executed, backticked
symbols linked to `{doc_host}{doc_baseurl}/page.html#symbol`) and needs no Quarto. This script does the rest of what
Quarto would do with `_quarto.yml`:

- pages in nbdev's sidebar order (`nbdev_sidebar`, or `nbs/sidebar.yml` with `custom_sidebar = True`), named as
  nbdev names them (the front matter's `output-file`: `08_seek.ipynb` -> `seek.html`);
- the front matter's title and description become the page's heading and lead paragraph;
- Quarto cell options left in `_proc/` (`#| echo: false`, `output`, `include`) become myst-nb tags;
- pandoc link attributes (`[source](url){target="_blank" ...}`) become HTML links;
- links to the documentation site (nbdev's symbol links, `page.html` and `notebook.ipynb` links) become links
  between the built pages, and every heading also carries the id pandoc would give it (`#engine.prefill`), so
  nbdev's anchors resolve.
Nothing is executed here beyond `proc_nbs`: Sphinx renders the outputs stored in the notebooks.
"""
import argparse, contextlib, copy, io, json, os, posixpath, re, shutil, subprocess, sys, time
from pathlib import Path, PurePosixPath

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT/'docs'
PROC = ROOT/'_proc'
SRC = ROOT/'_build'/'site_src'
SKIP_ASSETS = {'.ipynb', '.yml', '.yaml'}  # _quarto.yml, sidebar.yml, nbdev.yml are Quarto's


def settings():
    "The [DEFAULT] section of settings.ini."
    from configparser import ConfigParser
    ini = ConfigParser(delimiters=['='])
    ini.read(ROOT/'settings.ini', encoding='utf-8')
    return ini['DEFAULT']


def doc_url():
    "The published site's root, as nbdev writes it into links: `{doc_host}{doc_baseurl}/`."
    s = settings()
    return s['doc_host'].rstrip('/') + '/' + s.get('doc_baseurl', '').strip('/') + '/'


# ---------------------------------------------------------------- nbdev's part
def proc(force=True, n_workers=2):
    "Run nbdev's notebook processing into `_proc/` (no Quarto needed)."
    from nbdev.serve import proc_nbs
    os.chdir(ROOT)
    return proc_nbs(n_workers=n_workers, force=force)


def sidebar():
    "nbdev's sidebar as [(section or None, [notebook paths relative to nbs/])], in nbdev's order."
    from nbdev.config import get_config
    from nbdev.quarto import nbdev_sidebar
    os.chdir(ROOT)
    cfg = get_config()
    custom = Path(cfg.nbs_path)/'sidebar.yml'
    if cfg.custom_sidebar and custom.exists(): yml = custom.read_text()
    else:
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf): nbdev_sidebar(printit=True, force=True)
        yml = buf.getvalue()
    groups = [(None, [])]

    def walk(entries, section):
        for e in entries:
            if isinstance(e, str): groups[-1][1].append(e)
            elif 'section' in e:
                name = e['section'] if section is None else f"{section} / {e['section']}"
                groups.append((name, [e['href']] if e.get('href') else []))
                walk(e.get('contents', []), name)
            elif e.get('href'): groups[-1][1].append(e['href'])
    walk(yaml.safe_load(yml)['website']['sidebar']['contents'], None)
    return [(s, [p for p in ps if p.endswith('.ipynb')]) for s, ps in groups if ps]


# ---------------------------------------------------------------- notebook -> site source
_fm_re = re.compile(r'^\s*---\s*\n(.*?)\n---\s*$', re.S)
_opt_re = re.compile(r'^\s*#\|\s?(.*)$')
_attr_link_re = re.compile(r'(?<!!)\[([^\]\n]+)\]\(([^)\s]+)\)\{([^}\n]*)\}')
_link_re = re.compile(r'(\]\()([^)\s#]*)(#[^)\s]*)?(\s+"[^"]*")?(\))')


def front_matter(nb):
    "The YAML front matter nbdev puts in the first raw cell, and the cells after it."
    cells = nb['cells']
    if cells and cells[0]['cell_type'] == 'raw':
        m = _fm_re.match(src(cells[0]))
        if m: return yaml.safe_load(m.group(1)) or {}, cells[1:]
    return {}, cells


def src(cell): return cell['source'] if isinstance(cell['source'], str) else ''.join(cell['source'])


def cell_options(code):
    "Split Quarto's `#| key: value` lines off the top of a code cell: (options, code)."
    lines, opts = code.splitlines(), {}
    while lines and _opt_re.match(lines[0]):
        k, _, v = _opt_re.match(lines.pop(0)).group(1).partition(':')
        try: opts[k.strip()] = yaml.safe_load(v) if v.strip() else True
        except yaml.YAMLError: opts[k.strip()] = v.strip()
    return opts, '\n'.join(lines)


def html_name(nb_path, fm):
    "The page nbdev gives a notebook (nbs-relative posix path): front matter `output-file`, else nbdev's rule."
    p = PurePosixPath(nb_path)
    if fm.get('output-file'): return str(p.with_name(fm['output-file']))
    return str(p.with_name(re.sub(r'^\d+[a-zA-Z0-9]*_', '', p.name.lower())).with_suffix('.html'))


def _attrs(s):
    """pandoc link attributes `{#id .class key="v"}` as HTML attributes."""
    out, classes = [], []
    for m in re.finditer(r'#([\w.-]+)|\.([\w-]+)|([\w-]+)="([^"]*)"|([\w-]+)=(\S+)', s):
        if m.group(1): out.append(f'id="{m.group(1)}"')
        elif m.group(2): classes.append(m.group(2))
        elif m.group(3): out.append(f'{m.group(3)}="{m.group(4)}"')
        else: out.append(f'{m.group(5)}="{m.group(6)}"')
    if classes: out.insert(0, f'class="{" ".join(classes)}"')
    return ' '.join(out)


def fix_markdown(text, page_dir, pages, base):
    """Markdown for the site: pandoc link attributes -> HTML, links to notebooks and site pages -> `base` URLs.

    page_dir: the notebook's folder relative to nbs/ ('' or 'tutorials'); pages: {notebook path: page path}."""
    def attr_link(m):
        label, url, attrs = m.groups()
        if label == 'source' and 'float:right' in attrs.replace(' ', ''): attrs = '.nbdev-source target="_blank"'
        return f'<a href="{url}" {_attrs(attrs)}>{label}</a>'.replace(' >', '>')
    text = _attr_link_re.sub(attr_link, text)

    def link(m):
        start, path, anchor, title, end = m.groups()
        if not path or re.match(r'^[a-zA-Z][\w+.-]*:|^/', path): return m.group(0)
        target = posixpath.normpath(posixpath.join(page_dir, path))
        if path.endswith('.ipynb') and target in pages: target = pages[target]
        elif not path.endswith('.html'): return m.group(0)
        return f'{start}{base}{target}{anchor or ""}{title or ""}{end}'
    return _link_re.sub(link, text)


def text(output):
    "An output's markdown (or plain text, or stream text) as a string, or None."
    t = output.get('data', {}).get('text/markdown', output.get('data', {}).get('text/plain', output.get('text')))
    return t if t is None or isinstance(t, str) else ''.join(t)


_src_link_re = re.compile(r'^\[source\]\(([^)\s]+)\)\{[^}\n]*\}[ \t]*\n', re.M)
_heading_re = re.compile(r'^#{1,6} .*$', re.M)


def show_doc_markdown(md):
    """nbdev's show_doc markdown as part of the page: no leading rule, the source link after the heading
    (so that both belong to the symbol's section)."""
    md = re.sub(r'^\s*---\s*\n', '', md)
    md = re.sub(r'(```python\n)\n+', r'\1', md)            # the signature without its blank lines
    md = re.sub(r'\n\n+(```[ \t]*(?:\n|$))', r'\n\1', md)
    m, h = _src_link_re.search(md), _heading_re.search(md)
    if m and h and m.start() < h.start():
        link = f'<a class="nbdev-source" href="{m.group(1)}" target="_blank">source</a>\n'
        md = md[:m.start()] + md[m.end():]
        h = _heading_re.search(md)
        md = md[:h.end()] + '\n\n' + link + md[h.end():]
    return md


def site_notebook(nb, nb_path, pages, base, toc=None):
    "A processed notebook as a page of the site (see the module docstring)."
    fm, cells = front_matter(nb)
    page_dir = posixpath.dirname(nb_path)
    out = []
    if fm.get('title'):
        head = f"# {fm['title']}"
        if fm.get('description'): head += '\n\n{.description}\n' + str(fm['description']).strip()
        out.append({'cell_type': 'markdown', 'metadata': {}, 'source': fix_markdown(head, page_dir, pages, base)})
    for c in cells:
        c = copy.deepcopy(c)
        c.pop('id', None)
        if c['cell_type'] == 'markdown':
            c['source'] = fix_markdown(src(c), page_dir, pages, base)
            c.pop('attachments', None) if not c.get('attachments') else None
        elif c['cell_type'] == 'code':
            opts, code = cell_options(src(c))
            tags = []
            if opts.get('include') is False: continue
            if opts.get('echo') is False: tags.append('remove-input')
            if opts.get('output') is False: tags.append('remove-output')
            if not code.strip() and not c.get('outputs'): continue
            c['source'], c['metadata'] = code, ({'tags': tags} if tags else {})
            c.setdefault('execution_count', None)
            if opts.get('output') == 'asis':  # Quarto: the output is markdown of the page (nbdev's show_doc cells)
                md = '\n\n'.join(show_doc_markdown(text(o)) for o in c.get('outputs', []) if text(o))
                if 'remove-input' not in tags: out.append(c | {'outputs': []})
                if md.strip(): out.append({'cell_type': 'markdown', 'metadata': {}, 'source': fix_markdown(md, page_dir, pages, base)})
                continue
            for o in c.get('outputs', []):
                md = o.get('data', {}).get('text/markdown')
                if md is not None:
                    o['data']['text/markdown'] = fix_markdown(md if isinstance(md, str) else ''.join(md), page_dir, pages, base)
        else: c['metadata'] = {}
        out.append(c)
    if toc:
        out.append({'cell_type': 'markdown', 'metadata': {}, 'source': toc})
    for i, c in enumerate(out): c['id'] = f'cell-{i}'
    return {'cells': out, 'nbformat': 4, 'nbformat_minor': 5,
            'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'},
                         'language_info': {'name': 'python'}}}


def toctrees(groups, pages):
    "Hidden toctrees for the home page: the chapters, then one per sidebar section (nbdev's order)."
    blocks = []
    for section, paths in groups:
        docs = [posixpath.splitext(pages[p])[0] for p in paths if pages[p] != 'index.html']
        if not docs: continue
        cap = f':caption: {section}\n' if section else ''
        blocks.append('```{toctree}\n:hidden:\n:maxdepth: 1\n' + cap + '\n' + '\n'.join(docs) + '\n```')
    return '\n\n'.join(blocks)


def write_sources(proc_dir=PROC, dest=SRC, groups=None):
    """The site's source folder: one page per notebook of nbdev's sidebar, plus the assets (images, ...) beside them.

    groups: [(section or None, [notebook paths])], by default nbdev's sidebar."""
    groups = sidebar() if groups is None else groups
    paths = [p for _, ps in groups for p in ps if (proc_dir/p).exists()]
    missing = [p for _, ps in groups for p in ps if not (proc_dir/p).exists()]
    if missing: raise SystemExit(f'not in {proc_dir}: {missing} (did proc_nbs fail?)')
    nbs = {p: json.loads((proc_dir/p).read_text(encoding='utf-8')) for p in paths}
    pages = {p: html_name(p, front_matter(nb)[0]) for p, nb in nbs.items()}
    if 'index.html' not in pages.values(): raise SystemExit('no index.ipynb: the home page is nbs/index.ipynb')
    groups = [(s, [p for p in ps if p in pages]) for s, ps in groups]
    if dest.exists(): shutil.rmtree(dest)
    dest.mkdir(parents=True)
    base = doc_url()
    for p, nb in nbs.items():
        page = pages[p]
        out = dest/(posixpath.splitext(page)[0] + '.ipynb')
        out.parent.mkdir(parents=True, exist_ok=True)
        toc = toctrees(groups, pages) if page == 'index.html' else None
        out.write_text(json.dumps(site_notebook(nb, p, pages, base, toc), indent=1, ensure_ascii=False), encoding='utf-8')
    for f in assets(proc_dir):
        d = dest/f.relative_to(proc_dir)
        d.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f, d)
    return pages


def assets(proc_dir=PROC):
    "Files beside the processed notebooks that pages may show (images, data): everything but notebooks and Quarto's."
    return [f for f in sorted(proc_dir.rglob('*')) if f.is_file() and f.suffix not in SKIP_ASSETS
            and f.name != 'styles.css' and not any(part.startswith('.') for part in f.relative_to(proc_dir).parts)]


# ---------------------------------------------------------------- Sphinx and the HTML
def sphinx(src=SRC, out=ROOT/'_site', jobs=1, work=ROOT/'_build'):
    """Render the site source with Sphinx (docs/conf.py) into `out`; returns the warnings.
    Sphinx (and myst-nb's `jupyter_execute/`, beside Sphinx's output) work in `work`."""
    html, warn = work/'html', work/'sphinx-warnings.txt'
    for d in (html, out):
        if d.exists(): shutil.rmtree(d)
    cmd = [sys.executable, '-m', 'sphinx', '-b', 'html', '-q', '-E', '-j', str(jobs), '-c', str(DOCS),
           '-d', str(work/'doctrees'), '-w', str(warn), str(src), str(html)]
    subprocess.run(cmd, check=True, cwd=ROOT)
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(html, out)
    return [l for l in warn.read_text().splitlines() if 'WARNING' in l or 'ERROR' in l]


def heading_text(h):
    "A heading's text without Sphinx's pilcrow link."
    return ''.join(s for s in h.find_all(string=True) if not s.find_parent('a', class_='headerlink'))


def pandoc_id(text):
    "The identifier pandoc (so Quarto, so nbdev's links) gives a heading: `Engine.prefill` -> `engine.prefill`."
    s = re.sub(r'[^\w\s.-]', '', text.strip().lower(), flags=re.U)
    s = re.sub(r'\s+', '-', s)
    return re.sub(r'^[^a-z]+', '', s)


def postprocess(out, proc_dir=PROC):
    """Links to the published site -> relative links between the built pages; pandoc's heading ids added;
    assets copied for raw HTML. Returns notes on links whose anchor is missing."""
    from bs4 import BeautifulSoup
    base, soups, ids, notes = doc_url(), {}, {}, []
    for f in sorted(out.rglob('*.html')):
        rel = f.relative_to(out).as_posix()
        soup = soups[rel] = BeautifulSoup(f.read_text(encoding='utf-8'), 'html.parser')
        have = ids[rel] = {t['id'] for t in soup.find_all(id=True)}
        heads = [(h, heading_text(h)) for h in soup.find_all(re.compile(r'^h[1-6]$'))]
        title = soup.find('h1')
        sec = title.find_parent('section') if title else None
        if sec and sec.get('id') and any(pandoc_id(t) == sec['id'] for h, t in heads if h is not title):
            # a chapter named after its main symbol (Config): Quarto's title has no id, so nbdev's #config is the symbol's
            old, sec['id'] = sec['id'], sec['id'] + '-title'
            have.discard(old)
            have.add(sec['id'])
            for a in title.find_all('a', href='#' + old): a['href'] = '#' + sec['id']
        for h, text in heads:
            if h is title: continue
            for i in dict.fromkeys([pandoc_id(text), text.strip().lower().replace(' ', '-')]):
                if i and i not in have:
                    h.insert(0, soup.new_tag('span', id=i))
                    have.add(i)
    for rel, soup in soups.items():
        page_dir = posixpath.dirname(rel)
        for a in soup.find_all('a', href=True):
            if not a['href'].startswith(base): continue
            target, _, anchor = a['href'][len(base):].partition('#')
            target = target or 'index.html'
            if anchor and target in ids and anchor not in ids[target]:
                # nbdev links `Class.method` to #class.method, a section only when the notebook show_docs the method:
                # fall back to the class (Quarto's site would have a dead anchor here)
                parts = anchor.split('.')
                up = next((('.'.join(parts[:k])) for k in range(len(parts) - 1, 0, -1) if '.'.join(parts[:k]) in ids[target]), None)
                notes.append(f'{rel}: {target}#{anchor} has no section' + (f', linked to #{up}' if up else ''))
                if up: anchor = up
            a['href'] = posixpath.relpath(target, page_dir or '.') + (f'#{anchor}' if anchor else '')
            a['class'] = [c if c != 'external' else 'internal' for c in a.get('class', [])]
        (out/rel).write_text(str(soup), encoding='utf-8')
    for a in assets(proc_dir):
        d = out/a.relative_to(proc_dir)
        if not d.exists():
            d.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(a, d)
    return notes


def build_site(out=ROOT/'_site', force=True, jobs=1):
    t0 = time.time()
    proc(force=force)
    t1 = time.time()
    pages = write_sources()
    warnings = sphinx(out=out, jobs=jobs)
    t2 = time.time()
    notes = postprocess(out)
    for w in warnings + notes: print(w)
    print(f'site: {len(pages)} pages in {out.relative_to(ROOT)}/ ({len(warnings)} Sphinx warnings, {len(notes)} link notes); '
          f'proc_nbs {t1-t0:.0f}s, Sphinx {t2-t1:.0f}s, total {time.time()-t0:.0f}s')


# ---------------------------------------------------------------- README
def build_readme(out=ROOT/'README.md', force=False):
    "README.md from `_proc/index.ipynb`: GitHub markdown, images pointing into nbs/, math left to GitHub."
    from nbconvert import MarkdownExporter
    from traitlets.config import Config
    proc(force=force)
    nb = json.loads((PROC/'index.ipynb').read_text(encoding='utf-8'))
    fm, cells = front_matter(nb)
    head = f"# {fm.get('title', settings()['title'])}\n"
    if fm.get('description'): head += f"\n> {str(fm['description']).strip()}\n"
    base = doc_url()
    nbs_dir = posixpath.relpath((ROOT/settings().get('nbs_path', 'nbs')).as_posix(), out.parent.as_posix())
    body = [{'cell_type': 'markdown', 'metadata': {}, 'source': head}]
    pages = {}
    for c in cells:
        c = copy.deepcopy(c)
        if c['cell_type'] == 'markdown':
            s = fix_markdown(src(c), '', pages, base)
            s = re.sub(r'(!\[[^\]]*\]\()(?![a-zA-Z][\w+.-]*:|/)([^)\s]+)', rf'\1{nbs_dir}/\2', s)     # ![](images/x.png)
            s = re.sub(r'(<img [^>]*src=")(?![a-zA-Z][\w+.-]*:|/)', rf'\1{nbs_dir}/', s)
            s = re.sub(r'(?<!!)(\[[^\]]*\]\()(?![a-zA-Z][\w+.-]*:|/|#)([^)\s]+)', rf'\1{nbs_dir}/\2', s)  # [a](tutorials/x.ipynb)
            c['source'] = s
        elif c['cell_type'] == 'code':
            opts, code = cell_options(src(c))
            if opts.get('include') is False: continue
            c['source'] = '' if opts.get('echo') is False else code
            if opts.get('output') is False: c['outputs'] = []
        body.append(c)
    for i, c in enumerate(body): c['id'] = f'cell-{i}'
    nb = dict(nb, cells=body, metadata={'language_info': {'name': 'python'},
              'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}})
    exporter = MarkdownExporter(config=Config())
    md, res = exporter.from_notebook_node(_as_node(nb), resources={'output_files_dir': 'README_files'})
    for name, data in res.get('outputs', {}).items():
        p = out.parent/name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    md = re.sub(r'```python\n\s*```\n', '', md)        # cells shown without their code
    md = re.sub(r'\n{3,}', '\n\n', md).strip() + '\n'
    out.write_text(md, encoding='utf-8')
    print(f'wrote {out} from {PROC.relative_to(ROOT)}/index.ipynb')


def _as_node(nb):
    "A NotebookNode with multi-line fields joined, as `nbformat.read` would give (nbconvert's templates expect strings)."
    import nbformat
    join = lambda v: ''.join(v) if isinstance(v, list) else v
    for c in nb['cells']:
        c['source'] = join(c['source'])
        for o in c.get('outputs', []):
            if 'text' in o: o['text'] = join(o['text'])
            for k, v in o.get('data', {}).items():
                if not k.endswith('json'): o['data'][k] = join(v)
    return nbformat.from_dict(nb)


if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('what', choices=['site', 'readme', 'sources'])
    ap.add_argument('--out', default=None, help='output folder (site) or file (readme)')
    ap.add_argument('--no-force', action='store_true', help="reuse nbdev's _proc/ cache where it is up to date")
    ap.add_argument('--jobs', type=int, default=1, help='Sphinx processes')
    a = ap.parse_args()
    if a.what == 'site': build_site(Path(a.out or ROOT/'_site').resolve(), force=not a.no_force, jobs=a.jobs)
    elif a.what == 'readme': build_readme(Path(a.out or ROOT/'README.md').resolve())
    else: print(write_sources())
