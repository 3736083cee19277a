"""Sphinx configuration of the documentation site (`make docs`), fed by docs/build.py.

build.py turns nbdev's processed notebooks (`_proc/`) into `_build/site_src/` (pages named as nbdev names them,
a toctree in nbdev's sidebar order); this file renders them with myst-nb, using the outputs stored in the
notebooks (nothing is executed here). Quarto users build the same pages with `nbdev_docs` from `_quarto.yml`.
"""
from configparser import ConfigParser
from pathlib import Path

root = Path(__file__).resolve().parent.parent
ini = ConfigParser(delimiters=['='])
ini.read(root/'settings.ini', encoding='utf-8')
cfg = ini['DEFAULT']

project = cfg['title']
author = cfg['author']
copyright = cfg['copyright']
release = version = cfg['version']

extensions = [
    'myst_nb',                 # notebooks (and MyST markdown) with their stored outputs
    'sphinx-mathjax-offline',  # MathJax 3 from the pip package, copied into _static/mathjax: no CDN
]
root_doc = 'index'
exclude_patterns = ['**.ipynb_checkpoints']

# myst-nb: render, never execute; markdown outputs (nbdev's show_doc) are parsed as MyST like the cells
nb_execution_mode = 'off'
nb_render_markdown_format = 'myst'
nb_merge_streams = True
nb_ipywidgets_js = {}          # no widget JS from a CDN (the notebooks hold no widget state)
myst_enable_extensions = ['dollarmath', 'amsmath', 'attrs_block', 'colon_fence']
myst_heading_anchors = 4       # `[..](#a-heading)` links inside a page
myst_dmath_double_inline = True
suppress_warnings = ['myst.header']  # nbdev's show_doc uses ### headings wherever it is called

html_theme = 'furo'
html_title = project
html_static_path = [str(Path(__file__).parent/'_static')]
html_css_files = ['site.css']
html_copy_source = False
html_show_sourcelink = False
html_last_updated_fmt = None
html_theme_options = {'top_of_page_buttons': []}
