# Makes nbconvert-python.ipynb: run it, then
# jupyter nbconvert --to notebook --execute tiny.ipynb --output nbconvert-python.ipynb
import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell
nb = new_notebook()
nb.cells = [
  new_markdown_cell("# A tiny notebook\n\nWritten by *nbformat*, executed by nbconvert — ünïcode <&>."),
  new_code_cell("print('hello')\nprint('two\\nlines')\nimport sys\nprint('oops', file=sys.stderr)"),
  new_code_cell("from IPython.display import display, HTML, SVG\ndisplay(HTML('<b>bold</b>\\n<i>it</i>'))\n{'a': 1.5, 'b': [1, 2]}"),
  new_code_cell("h = display('first', display_id=True)\nh.update('second')"),
  new_code_cell("1/0", metadata={"tags": ["raises-exception"]}),
  new_code_cell(""),
]
nb.metadata["custom"] = {"z": 1, "a": [True, None, 0.25]}
nbformat.write(nb, "tiny.ipynb")
