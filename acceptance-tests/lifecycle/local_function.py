"""The lifecycle scenario of `lattice_local_function`."""

from lifecycle.common import *  # noqa: F401,F403

CASE = Case(
    "lattice_local_function.test",
    create='resource "lattice_local_function" "test" {\n function_name = "orders"\n url = "http://127.0.0.1:9000/invoke"\n}',
    update='resource "lattice_local_function" "test" {\n function_name = "orders"\n command = ["python3", "orders.py"]\n}',
    replace='resource "lattice_local_function" "test" {\n function_name = "orders-v2"\n command = ["python3", "orders.py"]\n}',
    import_id=lambda s: s["id"],
    admin=lambda s: f"/functions/{s['id']}",
)
