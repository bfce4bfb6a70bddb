"""Every resource and data source has a registry-layout doc page generated from the current
schema, and every page's example applies, plans empty and destroys cleanly."""

import filecmp
import shutil
import subprocess

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples" / "resources").iterdir()) + sorted((ROOT / "examples" / "data-sources").iterdir())


def test_docs_are_generated_from_the_current_schema(tmp_path):
    subprocess.run(["bash", str(ROOT / "scripts" / "gen-docs"), str(tmp_path)], check=True)
    for kind in ["resources", "data-sources"]:
        cmp = filecmp.dircmp(tmp_path / kind, ROOT / "docs" / kind)
        assert not (cmp.left_only or cmp.right_only), f"{kind}: missing {cmp.left_only} extra {cmp.right_only}"
        _, mismatch, errors = filecmp.cmpfiles(tmp_path / kind, ROOT / "docs" / kind, cmp.common_files, shallow=False)
        assert not mismatch and not errors, f"stale docs (run scripts/gen-docs): {mismatch}"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_doc_example_applies(example, backend, tf_factory):
    tf = tf_factory()
    shutil.copy(example / "main.tf", tf.dir / "example.tf")
    tf.write("")
    tf.apply()
    tf.assert_empty_plan()
    tf.destroy()
    c = backend.client()
    assert c.list_services()["items"] == [] and c.list_service_networks()["items"] == []
    assert c.list_target_groups()["items"] == []


def test_every_resource_type_has_a_lifecycle_scenario():
    from lifecycle import CASES
    documented = {p.stem for p in (ROOT / "docs" / "resources").glob("*.md")}
    assert documented == set(CASES), {"without scenario": documented - set(CASES), "without doc": set(CASES) - documented}
