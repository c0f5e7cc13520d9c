"""Finding step and stream files by name, under steps/ and src/."""

from __future__ import annotations

from pathlib import Path

from orchestrator.model.discovery import classify, discover


def test_every_spec_pattern_is_classified() -> None:
    cases = {
        "a.step.ts": ("step", "node"),
        "a.step.js": ("step", "node"),
        "a.step.mjs": ("step", "node"),
        "a.step.cjs": ("step", "node"),
        "a.step.py": ("step", "python"),
        "a_step.py": ("step", "python"),
        "a.step.rb": ("step", "ruby"),
        "a.stream.ts": ("stream", "node"),
        "a.stream.js": ("stream", "node"),
        "a.stream.py": ("stream", "python"),
        "a_stream.py": ("stream", "python"),
        "a.stream.rb": ("stream", "ruby"),
    }
    for name, (kind, language) in cases.items():
        found = classify(Path(name))
        assert found is not None and (found.kind, found.language) == (kind, language), name
    for name in ("helper.ts", "step.py", "_step.py", "a.step.tsx", "a.steps.py", "README.md"):
        assert classify(Path(name)) is None, name


def test_discovers_recursively_in_steps_and_src_skipping_dependencies(tmp_path: Path) -> None:
    for rel in (
        "steps/a.step.ts",
        "steps/deep/er/b_step.py",
        "src/c.step.rb",
        "steps/node_modules/pkg/x.step.js",
        "steps/.hidden/y.step.js",
        "other/z.step.js",
        "steps/helper.ts",
    ):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    found = [f.path.relative_to(tmp_path).as_posix() for f in discover(tmp_path)]
    assert found == ["src/c.step.rb", "steps/a.step.ts", "steps/deep/er/b_step.py"]
    only_other = discover(tmp_path, ["other"])
    assert [f.path.name for f in only_other] == ["z.step.js"]


def test_motia_config_counts_at_the_root_and_only_with_authenticate_stream(
    tmp_path: Path,
) -> None:
    # As Motia 1.0's build reads it (motia-js/packages/motia/src/new/build/generate-index.ts).
    hook = "export const authenticateStream = async () => ({ context: {} })\n"
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "motia.config.ts").write_text(hook)  # not at the root
    (tmp_path / "motia.config.js").write_text(hook)
    (tmp_path / "motia.config.ts").write_text("export default config({ plugins: [] })\n")
    [found] = discover(tmp_path)
    assert (found.path.name, found.kind, found.language) == ("motia.config.js", "config", "node")
