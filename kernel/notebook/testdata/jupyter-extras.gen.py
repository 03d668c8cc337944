# Writes jupyter-extras.ipynb with Jupyter's own nbformat writer: the
# notebook package must read and write it back byte for byte.
import nbformat
from nbformat.v4 import new_notebook, new_code_cell, new_markdown_cell, new_raw_cell, new_output

nb = new_notebook()
md = new_markdown_cell("![x](attachment:x.png)\r\nCRLF line\u2028after LS\n\n")
md["attachments"] = {"x.png": {"image/png": "iVBORw0KGgo=\n", "text/plain": "a\nb"}}
code = new_code_cell("x := 1\n\tfmt.Println(x) // ünï \"q\" \\\n", execution_count=7)
code.outputs = [
    new_output("stream", name="stdout", text="1\r\n2\n\x1b[31mred\x1b[0m\n"),
    new_output("display_data", data={
        "image/svg+xml": "<svg>\n<g/>\n</svg>",
        "application/json": {"z": [1.0, 2.5e-7, 1e+16, -0.0], "a": "x\ny"},
        "application/vnd.custom+json": {"k": True},
        "text/markdown": "*hi*",
    }, metadata={"image/svg+xml": {"isolated": True}}),
    new_output("execute_result", data={"text/plain": "42"}, execution_count=7),
]
code.metadata["collapsed"] = False
code.metadata["tags"] = ["nondeterministic"]
code["future_field"] = {"kept": 1}
nb.cells = [md, code, new_raw_cell("raw\ntext", metadata={"format": "text/plain"})]
nb.metadata["kernelspec"] = {"display_name": "Go", "language": "go", "name": "gokernel"}
nb["extra_top"] = "kept"
with open("jupyter-extras.ipynb", "w", encoding="utf-8") as f:
    # nbformat.write would refuse the unknown fields; v4.writes is its writer.
    f.write(nbformat.v4.writes(nb) + "\n")
