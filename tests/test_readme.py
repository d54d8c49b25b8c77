from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _shell_blocks(text: str) -> list[str]:
    blocks, inside, buf = [], False, []
    for line in text.splitlines():
        if line.startswith("```"):
            if inside:
                blocks.append("\n".join(buf).strip())
                buf = []
            inside = not inside and line.strip() == "```sh"
            continue
        if inside:
            buf.append(line)
    return blocks


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    blocks = _shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert len(blocks) == 2
    run_cmd, test_cmd = blocks
    assert run_cmd.endswith("bkdesk") and "pytest" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert test_cmd in ci
