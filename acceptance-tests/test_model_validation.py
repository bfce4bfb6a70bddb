"""Validation conformance generated from botocore's own model: for every VPC Lattice operation
and every constrained member of its input (nested ones included), boto3 sends one value that
breaks the constraint, and the backend must answer ValidationException naming that member."""

import botocore.exceptions
import botocore.session
import pytest

MODEL = botocore.session.get_session().get_service_model("vpc-lattice")


def bad_value(shape):
    """A value of the shape's type that violates one of its constraints, or None."""
    meta = shape.metadata
    if shape.type_name == "string":
        if shape.enum:
            return "NOT_A_VALID_ENUM_VALUE"
        if meta.get("min", 0) > 1:
            return "a" * (meta["min"] - 1)
        if "max" in meta and meta["max"] < 4096:
            return "a" * (meta["max"] + 1)
        if "pattern" in meta:
            return " "
        return None
    if shape.type_name in ("integer", "long"):
        if "min" in meta:
            return meta["min"] - 1
        if "max" in meta:
            return meta["max"] + 1
        return None
    if shape.type_name == "list":
        if meta.get("min", 0) > 0:
            return []
        if "max" in meta:
            element = {} if shape.member.type_name == "structure" else "a"
            return [element] * (meta["max"] + 1)
        return None
    if shape.type_name == "map":
        if "max" in meta:
            return {f"k{i}": "v" for i in range(meta["max"] + 1)}
        return None
    return None


def cases():
    """(operation, member path, params) for every constrained member."""
    out = []
    for op_name in MODEL.operation_names:
        op = MODEL.operation_model(op_name)
        if op.input_shape is None:
            continue
        required_labels = {n: "x" for n, m in op.input_shape.members.items()
                           if m.serialization.get("location") == "uri"}

        def walk(shape, path, wrap):
            for name, member in shape.members.items():
                here = f"{path}.{name}" if path else name
                bad = bad_value(member)
                if bad is not None:
                    out.append((op_name, here, wrap({name: bad})))
                if member.type_name == "structure":
                    walk(member, here, lambda inner, name=name, wrap=wrap: wrap({name: inner}))
                elif member.type_name == "list" and member.member.type_name == "structure":
                    walk(member.member, f"{here}.1", lambda inner, name=name, wrap=wrap: wrap({name: [inner]}))

        walk(op.input_shape, "", lambda params: {**required_labels, **params})
    return out


CASES = cases()


def snake(name):
    return botocore.xform_name(name)


def test_every_operation_with_an_input_has_cases():
    with_input = {n for n in MODEL.operation_names if MODEL.operation_model(n).input_shape is not None}
    assert {c[0] for c in CASES} == with_input


@pytest.fixture(scope="module")
def module_backend(tmp_path_factory):
    from conftest import Backend
    b = Backend(tmp_path_factory.mktemp("validation")).start()
    yield b
    b.close()


@pytest.mark.parametrize("op_name,member,params", CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_out_of_range_value_is_rejected(op_name, member, params, module_backend):
    client = module_backend.client(client_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        getattr(client, snake(op_name))(**params)
    response = err.value.response
    assert response["Error"]["Code"] == "ValidationException", response
    fields = [f["name"] for f in response.get("fieldList", [])]
    assert member in fields, (member, fields)


# ---- RAM: the same generation against botocore's `ram` model --------------------------------

RAM = botocore.session.get_session().get_service_model("ram")


def ram_cases():
    """(operation, member, params) for every constrained top-level member of RAM's inputs."""
    out = []
    for op_name in RAM.operation_names:
        op = RAM.operation_model(op_name)
        if op.input_shape is None:
            continue
        # Required members get a harmless value, so only the bad one is reported.
        base = {n: ("x" if m.type_name == "string" else 1 if m.type_name == "integer" else ["x"])
                for n, m in op.input_shape.members.items() if n in op.input_shape.required_members}
        for name, member in op.input_shape.members.items():
            bad = bad_value(member)
            if bad is not None:
                out.append((op_name, name, {**base, name: bad}))
    return out


RAM_CASES = ram_cases()
RAM_REQUIRED = [n for n in RAM.operation_names
                if RAM.operation_model(n).input_shape is not None and RAM.operation_model(n).input_shape.required_members]


@pytest.mark.parametrize("op_name,member,params", RAM_CASES, ids=[f"ram:{c[0]}:{c[1]}" for c in RAM_CASES])
def test_ram_out_of_range_value_is_rejected(op_name, member, params, module_backend):
    client = module_backend.client("ram", client_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        getattr(client, snake(op_name))(**params)
    error = err.value.response["Error"]
    assert error["Code"] == "InvalidParameterException", error
    assert f"'{member}'" in error["Message"], error


@pytest.mark.parametrize("op_name", RAM_REQUIRED)
def test_ram_missing_required_member_is_named(op_name, module_backend):
    client = module_backend.client("ram", client_validation=False)
    with pytest.raises(botocore.exceptions.ClientError) as err:
        getattr(client, snake(op_name))()
    error = err.value.response["Error"]
    assert error["Code"] == "MissingRequiredParameterException", error
    required = RAM.operation_model(op_name).input_shape.required_members
    assert any(f"'{r}'" in error["Message"] for r in required), error
