"""docs/CONFIGURATION.md and ``python main.py --help`` list every setting, as the Settings model defines it."""

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from server_process import MAIN, clean_environment

from lovedcrm_ui.config import Settings
from lovedcrm_ui.settings_reference import OTHER_VARIABLES, SettingDoc, setting_docs, undocumented_settings

ROOT = Path(__file__).resolve().parent.parent
VARIABLES = [doc.name for doc in [*setting_docs(), *OTHER_VARIABLES]]


def make_configuration() -> ModuleType:
    """docs/make_configuration.py, imported (docs/ is not a package)."""
    spec = importlib.util.spec_from_file_location('make_configuration', ROOT / 'docs' / 'make_configuration.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_says_what_it_means() -> None:
    assert undocumented_settings() == [], 'give these fields of lovedcrm_ui/config.py a docstring'


def test_the_committed_configuration_reference_is_what_the_code_generates() -> None:
    committed = (ROOT / 'docs' / 'CONFIGURATION.md').read_text()
    assert committed == make_configuration().render(), 'run python docs/make_configuration.py and commit the result'


@pytest.mark.parametrize('doc', setting_docs(), ids=lambda doc: doc.name)
def test_a_documented_default_given_explicitly_changes_nothing(
    doc: SettingDoc, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if doc.default is None:
        pytest.skip('computed at start: its meaning says how')
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if doc.name != 'LOVEDCRM_DATA_DIR':
        monkeypatch.setenv('LOVEDCRM_DATA_DIR', str(tmp_path))
    implicit = Settings()
    monkeypatch.setenv(doc.name, doc.default)

    assert Settings() == implicit


def test_main_help_lists_every_variable_with_its_default(tmp_path: Path) -> None:
    env = {**clean_environment(), 'LOVEDCRM_DATA_DIR': str(tmp_path / 'data')}
    shown = subprocess.run(
        [sys.executable, str(MAIN), '--help'], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
    )

    assert shown.returncode == 0, shown.stderr
    listed = {
        line.split(' = ')[0].strip() for line in shown.stdout.splitlines() if line.startswith('  ') and ' = ' in line
    }
    assert set(VARIABLES) <= listed, f'missing from --help: {sorted(set(VARIABLES) - listed)}'
    for doc in setting_docs():
        if doc.default:
            assert f'  {doc.name} = {doc.default}' in shown.stdout


def test_the_readme_points_to_the_configuration_reference() -> None:
    assert '(docs/CONFIGURATION.md)' in (ROOT / 'README.md').read_text()
