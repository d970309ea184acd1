"""The Dockerfile's promises, read by .ci/image_recipe.py (the CI stage that also builds and runs the recipe).

These are the quick checks (no install, well under a second): the real Dockerfile keeps its promises, each
promise broken is reported, and the build context .dockerignore leaves is the one the image needs.
"""

import dataclasses
import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def load_recipe() -> ModuleType:
    """.ci/image_recipe.py, imported (.ci is not a package)."""
    spec = importlib.util.spec_from_file_location('image_recipe', ROOT / '.ci' / 'image_recipe.py')
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipe = load_recipe()
IMAGE = recipe.read_image(recipe.parse_dockerfile((ROOT / 'Dockerfile').read_text()))
PATTERNS = recipe.ignore_patterns((ROOT / '.dockerignore').read_text())


def test_the_dockerfile_keeps_its_promises() -> None:
    assert recipe.problems(IMAGE) == []
    assert IMAGE.cmd == ['python', 'main.py']
    assert IMAGE.env['LOVEDCRM_DATA_DIR'] == '/data'


@pytest.mark.parametrize(
    ('change', 'reported'),
    [
        ({'user': 'lovedcrm'}, 'USER must be numeric'),
        ({'user': '0:0'}, 'USER must not be root'),
        ({'user': '10002:10002'}, 'is not the uid the Dockerfile creates'),
        ({'volumes': []}, 'VOLUME must include /data'),
        ({'exposed': ['9090']}, 'EXPOSE'),
        ({'healthcheck': ['python', '-c', 'print(1)']}, 'HEALTHCHECK must ask /healthz'),
        ({'cmd': []}, 'CMD must be in exec form'),
        ({'env': {**IMAGE.env, 'HOST': '127.0.0.1'}}, 'ENV HOST must be 0.0.0.0'),
        ({'env': {**IMAGE.env, 'NICEGUI_STORAGE_PATH': '/app/.nicegui'}}, 'NICEGUI_STORAGE_PATH'),
        ({'env': {**IMAGE.env, 'LOVEDCRM_DATA_DIR': '/srv/data'}}, 'LOVEDCRM_DATA_DIR'),
    ],
)
def test_a_broken_promise_is_reported(change: dict[str, object], reported: str) -> None:
    found = recipe.problems(dataclasses.replace(IMAGE, **change))

    assert found and reported in found[0], found


def test_continued_lines_comments_and_env_forms_are_read_as_docker_reads_them() -> None:
    text = (
        'FROM python:3.11-slim\n'
        '# a comment\n'
        'ENV A=1 \\\n'
        '    # a comment inside the instruction\n'
        '    B="two words"\n'
        'ENV C three words\n'
        'run echo one \\\n'
        '    && echo two\n'
    )
    instructions = recipe.parse_dockerfile(text)
    image = recipe.read_image(instructions)

    assert [i.keyword for i in instructions] == ['FROM', 'ENV', 'ENV', 'RUN']
    assert image.env == {'A': '1', 'B': 'two words', 'C': 'three words'}
    assert image.runs == ['echo one && echo two']


def test_the_build_context_holds_the_app_and_leaves_out_tests_secrets_and_local_state() -> None:
    files = set(recipe.context_files(ROOT, PATTERNS))

    assert {'main.py', 'pyproject.toml', 'requirements.lock', 'alembic.ini', 'lovedcrm_ui/config.py'} <= files
    assert any(name.startswith('migrations/versions/') for name in files)
    for left_out in ('tests/', '.venv/', '.git/', 'data/', 'tmp/', 'docs/', '.ci/'):
        assert not any(name.startswith(left_out) for name in files), left_out
    assert not any('__pycache__' in name or name.endswith('.db') for name in files)


@pytest.mark.parametrize(
    ('path', 'left_out'),
    [
        ('lovedcrm_ui/__pycache__/config.cpython-311.pyc', True),
        ('lovedcrm_pipeline.egg-info/PKG-INFO', True),
        ('.env', True),
        ('.env.production', True),
        ('data/lovedcrm.db', True),
        ('lovedcrm_ui/ui/board/board.py', False),
        ('deploy/nginx.conf', False),
    ],
)
def test_dockerignore_patterns_match_as_docker_matches_them(path: str, left_out: bool) -> None:
    assert recipe.ignored(path, PATTERNS) is left_out
