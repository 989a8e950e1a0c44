"""Stack files compiled in blocks run exactly as the whole file would."""

from __future__ import annotations

import pytest

from dsspulumi.program import compile_stack


def _run(codes) -> dict:
    namespace: dict = {"__name__": "__main__"}
    for code in codes:
        exec(code, namespace)
    namespace.pop("__builtins__", None)
    return namespace


def _lines(n: int) -> str:
    return "".join(f"x{i} = {i}\n" for i in range(n))


def test_a_long_file_is_compiled_in_blocks_with_its_own_line_numbers():
    source = _lines(1000) + "import sys\nwhere = sys._getframe().f_lineno\n"
    codes = compile_stack(source, "stack.py", block_lines=100)
    assert len(codes) > 5
    assert all(code.co_filename == "stack.py" for code in codes)
    namespace = _run(codes)
    assert namespace["where"] == 1002
    assert namespace["x999"] == 999


@pytest.mark.parametrize(
    "tail",
    [
        # a line that looks like a statement start, inside a string or brackets
        'text = """\nabc = 1\n"""\n',
        "values = [\n1,\nabc]\n",
        "total = 1 + \\\nabc\n",
        # a block may not start with else/except, nor between a decorator and its def
        "if x1:\n    y = 1\nelse:\n    y = 2\n",
        "try:\n    y = 1\nexcept Exception:\n    y = 2\nfinally:\n    z = 3\n",
        "import functools\n@functools.cache\ndef f():\n    return 4\ny = f()\n",
    ],
)
def test_constructs_across_a_block_boundary_run_as_the_whole_file(tail):
    source = _lines(99) + "abc = 0\n" + tail + _lines(3)
    whole = _run([compile(source, "stack.py", "exec")])
    for size in range(95, 110):
        blocks = _run(compile_stack(source, "stack.py", block_lines=size))
        assert {k: v for k, v in blocks.items() if k != "f"} == {
            k: v for k, v in whole.items() if k != "f"
        }


def test_a_syntax_error_is_reported_for_the_whole_file_at_its_line():
    source = _lines(300) + "oops = (\n" + _lines(300)
    with pytest.raises(SyntaxError) as info:
        compile_stack(source, "stack.py", block_lines=100)
    assert info.value.lineno == 301


def test_a_future_import_compiles_the_file_whole():
    source = "from __future__ import annotations\n" + _lines(300)
    assert len(compile_stack(source, "stack.py", block_lines=100)) == 1
