"""`cs-gateway kb …` and `user add` as an operator types them."""
import json
import subprocess

from tests.e2e.test_cli import CLI, clean_env


def cli(tmp_path, *args, stdin=None):
    return subprocess.run([CLI, *args], cwd=tmp_path, env=clean_env(), input=stdin,
                          capture_output=True, text=True, timeout=300)


def test_import_export_and_ask(tmp_path):
    (tmp_path / "faq.md").write_text(
        "# Extra FAQ\n\n## Do you ship on Sundays?\nlanguage: en\nalternates: weekend delivery | sunday shipping\n\n"
        "No, parcels leave Monday to Saturday.\n", encoding="utf-8")
    done = cli(tmp_path, "kb", "import", "faq.md", "--publish")
    assert done.returncode == 0, done.stderr
    assert "1 new" in done.stdout

    exported = cli(tmp_path, "kb", "export", "--format", "json")
    entries = json.loads(exported.stdout)
    assert any(e["question"] == "Do you ship on Sundays?" for e in entries)
    assert any(e["id"] == "shipping-fee-zh" for e in entries)  # the demo knowledge base came first

    asked = cli(tmp_path, "kb", "ask", "do you deliver on sundays?", "--json")
    decision = json.loads(asked.stdout)
    assert decision["results"][0]["question"] == "Do you ship on Sundays?"
    assert cli(tmp_path, "kb", "ask", "转人工").stdout.startswith("hand-off: customer asked for a person")


def test_a_malformed_file_imports_nothing_and_names_the_line(tmp_path):
    (tmp_path / "bad.jsonl").write_text('{"question": "ok?", "answer": "yes"}\n{"question": "no answer"}\n')
    done = cli(tmp_path, "kb", "import", "bad.jsonl")
    assert done.returncode == 1
    assert "line 2" in done.stderr and "answer" in done.stderr and "nothing imported" in done.stderr
    assert "ok?" not in cli(tmp_path, "kb", "export").stdout


def test_user_add_refuses_a_short_password_and_a_duplicate(tmp_path):
    assert cli(tmp_path, "user", "add", "ann", "--role", "agent", "--password-stdin", stdin="short\n").returncode == 1
    assert cli(tmp_path, "user", "add", "ann", "--role", "agent", "--password-stdin", stdin="long enough 1\n").returncode == 0
    again = cli(tmp_path, "user", "add", "ann", "--role", "editor", "--password-stdin", stdin="long enough 2\n")
    assert again.returncode == 1 and "exists" in again.stderr
