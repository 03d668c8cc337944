"""jupyter_kernel_test's protocol tests, with code samples in Go, for gokernel.

Run by TestJupyterKernelTest (jupyter_kernel_test.go), which installs the
gokernel under test into a fresh Jupyter data directory first. Debian
packages the test suite as python3-jupyter-kernel-test.
"""

import unittest

import jupyter_kernel_test


class GoKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "gokernel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'

    # A cell's last expression is its value, as in a notebook.
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"go" + "pher"', "result": "gopher"},
    ]
    code_display_data = [
        {"code": 'display.HTML("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.Markdown("*em*")', "mime": "text/markdown"},
    ]
    code_clear_output = 'display.Clear(false)'
    code_generate_error = 'panic("boom")'

    # history: the kernel keeps this session's cells.
    supported_history_operations = ("tail", "range", "search")
    code_history_pattern = "6 *"

    complete_code_samples = ['fmt.Println("x")', "x := 1", "func f() {}"]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "x := []int{1,"]
    invalid_code_samples = ["x := )", "func f() { return }}"]

    completion_samples = [
        {"text": "fmt.Printl", "matches": {"Println"}},
    ]
    code_inspect_sample = "fmt.Println"


if __name__ == "__main__":
    unittest.main()
