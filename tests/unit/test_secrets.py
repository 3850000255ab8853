import sys

import pytest

from ghostscan.errors import ConfigError
from ghostscan.secrets import Secret, SecretSource, parse_command, resolve_secret


def test_secret_never_shows_its_value():
    s = Secret("hunter2")
    assert "hunter2" not in repr(s) and "hunter2" not in str(s) and "hunter2" not in f"{s}"
    assert s.reveal() == "hunter2"


def test_from_environment_variable():
    source = SecretSource(env="GS_PW", key="accounts.work.password_env")
    assert resolve_secret(source, {"GS_PW": "s3cret"}).reveal() == "s3cret"
    with pytest.raises(ConfigError, match=r"^accounts.work.password_env: environment variable GS_PW is not set or empty$"):
        resolve_secret(source, {})


def test_from_command_without_a_shell():
    # `;` and `$HOME` stay literal arguments: no shell runs the command.
    command = parse_command([sys.executable, "-c", "import sys; print(sys.argv[1]); print('ignored')", "pw;$HOME"], "k")
    assert resolve_secret(SecretSource(command=command, key="k"), {}).reveal() == "pw;$HOME"


def test_command_string_is_split_with_quotes():
    assert parse_command('pass show "mail/my work"', "k") == ("pass", "show", "mail/my work")
    with pytest.raises(ConfigError, match="cannot split"):
        parse_command('pass show "unbalanced', "k")


def test_failing_command_shows_stderr_never_stdout():
    script = "import sys; print('half-a-secret'); print('vault is locked', file=sys.stderr); sys.exit(3)"
    source = SecretSource(command=(sys.executable, "-c", script), key="accounts.work.password_command")
    with pytest.raises(ConfigError) as err:
        resolve_secret(source, {})
    assert str(err.value).endswith("failed with exit code 3: vault is locked")
    assert "half-a-secret" not in str(err.value)


def test_missing_command_and_empty_output():
    with pytest.raises(ConfigError, match="command not found: no-such-password-tool"):
        resolve_secret(SecretSource(command=("no-such-password-tool",), key="k"), {})
    with pytest.raises(ConfigError, match="printed nothing"):
        resolve_secret(SecretSource(command=(sys.executable, "-c", "pass"), key="k"), {})


def test_slow_command_times_out():
    source = SecretSource(command=(sys.executable, "-c", "import time; time.sleep(5)"), key="k")
    with pytest.raises(ConfigError, match="did not finish within 1 s"):
        resolve_secret(source, {}, timeout=1)
