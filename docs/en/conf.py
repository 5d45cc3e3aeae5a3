# Sphinx configuration of the mmppml docs:
#   python -m sphinx -W --keep-going -b html docs/en docs/en/_build/html
import os
import sys

from sphinx import addnodes
from sphinx.transforms import SphinxTransform

DOCS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(DOCS))
sys.path.insert(0, REPO)

project = 'mmppml'
copyright = 'mmppml authors'
author = 'mmppml authors'
version = release = '0.1.0'

extensions = ['sphinx.ext.autodoc', 'sphinx.ext.napoleon', 'myst_parser']
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
exclude_patterns = ['_build']
root_doc = 'index'

html_theme = 'alabaster'
html_title = 'mmppml'
html_theme_options = {'description': 'Training OpenMMLab models on encrypted images', 'page_width': '1180px'}

myst_heading_anchors = 4

autodoc_member_order = 'bysource'
autodoc_default_options = {'members': True, 'show-inheritance': True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False

# Repository files that these docs render as pages: links to them (from a page, or from an included
# README) go to the page. The Markdown keeps the repository's relative paths, so it reads on its own.
PAGES = {
    'README.md': 'index',
    'configs/README.md': 'configs/index',
    'configs/demo/README.md': 'configs/demo',
    'configs/mmpretrain/README.md': 'configs/mmpretrain',
    'configs/encrypted/README.md': 'configs/encrypted',
    'configs/mmdet/README.md': 'configs/mmdet',
}


class RepositoryLinks(SphinxTransform):
    """Point MyST links to repository files outside ``docs/en`` at their pages, or download them.

    MyST resolves a link relative to the page, but the text of an included README links relative to
    the README; links that MyST could not resolve are resolved again from the file they were written in.
    """

    default_priority = 10

    def apply(self, **kwargs):
        docdir = os.path.dirname(self.env.doc2path(self.env.docname))
        for node in list(self.document.findall(addnodes.pending_xref)):
            if node.get('reftype') != 'myst':
                continue
            target, anchor = node['reftarget'], node.get('reftargetid')
            if node.get('refdomain') == 'doc' and os.path.isabs(target):
                path = target + '.md'  # a Markdown file outside docs/en; MyST dropped the suffix
            elif node.get('refdomain') is None and node.source and '://' not in target:
                target, _, anchor = target.partition('#')
                path = os.path.join(os.path.dirname(node.source), target)
            else:
                continue
            path = os.path.normpath(path)
            rel = os.path.relpath(path, REPO).replace(os.sep, '/')
            if rel in PAGES:
                node['refdomain'], node['reftarget'], node['reftargetid'] = 'doc', PAGES[rel], anchor or None
            elif os.path.isfile(path) and not rel.startswith('..'):
                download = addnodes.download_reference(
                    '',
                    '',
                    *node.children,
                    refdomain=None,
                    reftype='myst',
                    refexplicit=node.get('refexplicit'),
                    refdoc=node.get('refdoc'),
                    reftarget=os.path.relpath(path, docdir))
                node.replace_self(download)


def setup(app):
    app.add_transform(RepositoryLinks)
