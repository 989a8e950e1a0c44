"""The sandbox's project library, through the real ``dataikuapi`` ``DSSLibrary`` client."""

from __future__ import annotations

import pytest
from dataikuapi.utils import DataikuException


def test_library_files_and_folders(dss_sandbox):
    client = dss_sandbox.client()
    project = client.create_project("LIB", "Library", "admin")
    library = project.get_library()
    assert library.list() == []
    helpers = library.add_file("python/helpers.py")
    helpers.write("def f():\n    return 1\n")
    library.add_folder("R")

    library = project.get_library()  # the client reads the tree once, when built
    assert sorted(i.path for i in library.list()) == ["/R", "/python"]
    (item,) = library.list("python")
    assert item.path == "/python/helpers.py"
    assert library.get_file("python/helpers.py").read() == "def f():\n    return 1\n"
    assert (
        library.get_file("python/helpers.py").read(as_type="bytes") == b"def f():\n    return 1\n"
    )
    with pytest.raises(DataikuException, match="already exists"):
        library.add_file("python/helpers.py")
    library.get_file("python/helpers.py").write('{"looks": "like json"}')
    assert project.get_library().get_file("python/helpers.py").read() == '{"looks": "like json"}'

    library.get_file("python/helpers.py").delete()
    library = project.get_library()
    assert [i.path for i in library.list("python")] == []
    library.get_folder("python").delete()
    assert [i.path for i in project.get_library().list()] == ["/R"]
    with pytest.raises(DataikuException):
        client._perform_json("GET", "/projects/LIB/libraries/contents/python/helpers.py")
