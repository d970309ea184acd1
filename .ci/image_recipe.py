"""Check the Docker image's recipe without a Docker engine: ``python .ci/image_recipe.py`` (a stage of .ci/run).

It reads the Dockerfile and does what a build and a ``docker run`` would do, in a sandbox folder:

1. checks the image's promises: a numeric, non-root ``USER`` (the uid its ``useradd`` creates), ``VOLUME /data``
   holding the data directory and NiceGUI's storage, ``HOST=0.0.0.0``, ``EXPOSE`` = ``PORT``, a ``HEALTHCHECK``
   on ``/healthz``, an exec-form ``CMD``;
2. builds: a fresh virtual environment stands for the base image's Python; ``COPY`` copies the build context
   (filtered by .dockerignore) into the sandbox's ``/app``; every ``RUN`` runs its own shell text with ``/bin/sh``,
   the ``ENV`` in effect and the venv first on ``PATH``. The image's folders (``/app``, ``/data``, ``/tmp``,
   ``/home``) are mapped into the sandbox; commands that change the system's accounts or owners (``groupadd``,
   ``useradd``, ``chown``) are only reported, and package managers (``apt-get``…) refuse: teach this script first.
   Every package installed must be at the version requirements.lock pins;
3. runs the ``CMD`` with the image's ``ENV`` and nothing of the caller's app settings (port: a free one on
   loopback instead of ``0.0.0.0:8080``, as ``docker run -p`` would map it), then checks that ``/healthz`` answers
   200, that the ``HEALTHCHECK`` command passes (and fails once the server is gone), that the database and the
   generated secrets landed in the data volume and that nothing was written into ``/app``.

Exit status 0 when everything holds; otherwise 1 with what did not. ``--keep`` leaves the sandbox for a look.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
MAPPED = ('/app', '/data', '/tmp', '/home')  # image folders that live in the sandbox
SYSTEM_ONLY = ('groupadd', 'useradd', 'usermod', 'chown')  # nothing to do outside an image: reported, skipped
REFUSED = ('apt-get', 'apt', 'apk', 'dnf', 'yum')  # would change this machine: the check cannot follow them
HOST_VARIABLES = ('LANG', 'LC_ALL', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'HTTP_PROXY', 'HTTPS_PROXY')
START_SECONDS = 90.0


class RecipeError(Exception):
    """The recipe does not hold (the message says what)."""


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its keyword (upper case) and the rest of its (joined) lines."""

    keyword: str
    arguments: str
    line: int


@dataclass
class Image:
    """What the Dockerfile's metadata instructions declare."""

    base: str = ''
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = '/'
    user: str = ''
    volumes: list[str] = field(default_factory=list)
    exposed: list[str] = field(default_factory=list)
    healthcheck: list[str] = field(default_factory=list)
    cmd: list[str] = field(default_factory=list)
    runs: list[str] = field(default_factory=list)


# ----- reading the Dockerfile -------------------------------------------------------------------------------------


def parse_dockerfile(text: str) -> list[Instruction]:
    """The instructions, with continuation lines joined and comment lines dropped (as Docker does)."""
    instructions: list[Instruction] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith('#')):
            continue
        if pending and stripped.startswith('#'):
            continue  # a comment inside a continued instruction is not part of it
        if not pending:
            start = number
        if stripped.endswith('\\'):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, arguments = ' '.join(part for part in pending if part).partition(' ')
        instructions.append(Instruction(keyword.upper(), arguments.strip(), start))
        pending = []
    if pending:
        raise RecipeError(f'line {start}: the last instruction ends with a line continuation')
    return instructions


def exec_form(arguments: str) -> list[str] | None:
    """A JSON-array argument (``["python", "main.py"]``), or None for the shell form."""
    if not arguments.startswith('['):
        return None
    value = json.loads(arguments)
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RecipeError(f'not a JSON array of strings: {arguments}')
    return value


def env_pairs(arguments: str) -> dict[str, str]:
    """``ENV a=1 b="two words"`` (or the old ``ENV name value``) as a dict."""
    words = shlex.split(arguments)
    if words and '=' not in words[0]:
        return {words[0]: ' '.join(words[1:])}
    pairs = {}
    for word in words:
        name, separator, value = word.partition('=')
        if not separator:
            raise RecipeError(f'ENV: {word!r} is not name=value')
        pairs[name] = value
    return pairs


def read_image(instructions: list[Instruction]) -> Image:
    """Collect the metadata of a single-stage Dockerfile."""
    image = Image()
    for instruction in instructions:
        keyword, arguments = instruction.keyword, instruction.arguments
        if keyword == 'FROM':
            if image.base:
                raise RecipeError(f'line {instruction.line}: multi-stage builds are not followed by this check')
            image.base = arguments
        elif keyword == 'ENV':
            image.env.update(env_pairs(arguments))
        elif keyword == 'WORKDIR':
            image.workdir = str(PurePosixPath(image.workdir, arguments))
        elif keyword == 'USER':
            image.user = arguments
        elif keyword == 'VOLUME':
            image.volumes += exec_form(arguments) or arguments.split()
        elif keyword == 'EXPOSE':
            image.exposed += [port.split('/')[0] for port in arguments.split()]
        elif keyword == 'HEALTHCHECK':
            _, _, command = arguments.partition('CMD ')
            image.healthcheck = exec_form(command.strip()) or ['/bin/sh', '-c', command.strip()]
        elif keyword == 'CMD':
            image.cmd = exec_form(arguments) or []
        elif keyword == 'RUN':
            image.runs.append(arguments)
    return image


def problems(image: Image) -> list[str]:
    """What the image promises and does not keep (empty: all kept)."""
    found = []
    uid, _, gid = image.user.partition(':')
    if not re.fullmatch(r'\d+', uid) or (gid and not re.fullmatch(r'\d+', gid)):
        found.append(f'USER must be numeric (uid[:gid]) so that orchestrators can check runAsNonRoot: {image.user!r}')
    elif int(uid) == 0 or (gid and int(gid) == 0):
        found.append(f'USER must not be root: {image.user!r}')
    created = [int(match) for run in image.runs for match in re.findall(r'useradd\b[^&;|]*--uid[ =](\d+)', run)]
    if not found and created and int(uid) not in created:
        found.append(f'USER {uid} is not the uid the Dockerfile creates ({created})')
    if '/data' not in image.volumes:
        found.append(f'VOLUME must include /data (declared: {image.volumes})')
    for name in ('LOVEDCRM_DATA_DIR', 'NICEGUI_STORAGE_PATH'):
        if not any(_inside(image.env.get(name, ''), volume) for volume in image.volumes):
            found.append(
                f'ENV {name}={image.env.get(name)!r} is not in a VOLUME: its data would die with the container'
            )
    if image.env.get('HOST') != '0.0.0.0':
        found.append(f'ENV HOST must be 0.0.0.0 (reachable through the published port), not {image.env.get("HOST")!r}')
    if image.exposed != [image.env.get('PORT')]:
        found.append(f'EXPOSE {image.exposed} must be the one PORT the app listens on ({image.env.get("PORT")!r})')
    if not any('/healthz' in part for part in image.healthcheck):
        found.append(f'HEALTHCHECK must ask /healthz (it is: {image.healthcheck})')
    if not image.cmd:
        found.append('CMD must be in exec form (a JSON array), so that the app gets SIGTERM itself')
    return found


def _inside(path: str, folder: str) -> bool:
    """Whether ``path`` is ``folder`` or below it."""
    return bool(path) and (path == folder or path.startswith(folder.rstrip('/') + '/'))


# ----- the build context ------------------------------------------------------------------------------------------


def ignore_patterns(text: str) -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore lines as (is an exception ``!…``, pattern matching a context-relative path)."""
    patterns = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith('#'):
            continue
        negated = line.startswith('!')
        line = os.path.normpath(line.lstrip('!').strip()).lstrip('/')
        patterns.append((negated, re.compile(_glob_regex(line))))
    return patterns


def _glob_regex(pattern: str) -> str:
    """A .dockerignore pattern as a regular expression (Go's filepath.Match plus ``**``)."""
    out, index = [], 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith('**/', index):
            out.append('(?:.*/)?')
            index += 3
            continue
        if pattern.startswith('**', index):
            out.append('.*')
            index += 2
            continue
        if char == '*':
            out.append('[^/]*')
        elif char == '?':
            out.append('[^/]')
        elif char == '[':
            end = pattern.find(']', index)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append('[' + pattern[index + 1 : end].replace('!', '^', 1) + ']')
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return '(?:' + ''.join(out) + ')\\Z'


def ignored(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Whether Docker leaves ``path`` out of the context: the last pattern matching it or a parent folder decides."""
    parts = path.split('/')
    prefixes = ['/'.join(parts[: end + 1]) for end in range(len(parts))]
    verdict = False
    for negated, pattern in patterns:
        if any(pattern.match(prefix) for prefix in prefixes):
            verdict = not negated
    return verdict


def context_files(root: Path, patterns: list[tuple[bool, re.Pattern[str]]]) -> Iterator[str]:
    """Context-relative paths of the files a build would send (skips ignored folders unless an exception exists)."""
    prune = not any(negated for negated, _ in patterns)
    for folder, folders, files in os.walk(root):
        relative = os.path.relpath(folder, root)
        base = '' if relative == '.' else relative + '/'
        if prune:
            folders[:] = [name for name in folders if not ignored(base + name, patterns)]
        for name in files:
            if not ignored(base + name, patterns):
                yield base + name


# ----- the sandbox ------------------------------------------------------------------------------------------------


@dataclass
class Sandbox:
    """A folder standing for the image's file system: ``/app``, ``/data``, ``/tmp``, ``/home`` and a venv."""

    root: Path
    image: Image
    env: dict[str, str] = field(default_factory=dict)
    workdir: str = '/'

    @property
    def venv(self) -> Path:
        """The virtual environment standing for the base image's Python."""
        return self.root / 'venv'

    def path(self, image_path: str) -> Path:
        """Where an image path lives in the sandbox (only ``/`` and the mapped folders may be used)."""
        pure = PurePosixPath(self.workdir, image_path)
        if str(pure) != '/' and not any(_inside(str(pure), folder) for folder in MAPPED):
            raise RecipeError(f'{pure} is outside the folders this check maps ({", ".join(MAPPED)})')
        return self.root / str(pure).lstrip('/')

    def mapped(self, text: str) -> str:
        """``text`` with the image's absolute paths of the mapped folders pointing into the sandbox."""
        pattern = r'(?<![\w./-])(' + '|'.join(re.escape(f) for f in MAPPED) + r')(?=/|\b|$)'
        return re.sub(pattern, lambda match: str(self.root) + match.group(1), text)

    def environment(self) -> dict[str, str]:
        """The image's ENV so far (paths mapped), the venv first on PATH, and the host's index and TLS settings."""
        env = {name: value for name, value in os.environ.items() if name.startswith('PIP_') or name in HOST_VARIABLES}
        env.update({name: self.mapped(value) for name, value in self.env.items()})
        env.setdefault('PIP_PROGRESS_BAR', 'off')  # a CI log, not a terminal
        env['PATH'] = f'{self.venv / "bin"}:/usr/local/bin:/usr/bin:/bin'
        env['HOME'] = str(self.root / 'home' / 'app-user')
        env['VIRTUAL_ENV'] = str(self.venv)
        return env

    def run_step(self, script: str) -> None:
        """One ``RUN`` (shell form) in the current WORKDIR, with the system-only commands stubbed out."""
        command = self.mapped(script)
        print(f'  RUN {command}', flush=True)
        env = self.environment()
        env['PATH'] = f'{self.stubs()}:{env["PATH"]}'
        subprocess.run(['/bin/sh', '-c', command], cwd=self.path(self.workdir), env=env, check=True)

    def stubs(self) -> Path:
        """A folder of stand-ins, first on a RUN's PATH: system-only commands report and succeed, refused ones fail."""
        folder = self.root / 'stubs'
        if not folder.exists():
            folder.mkdir()
            for name in SYSTEM_ONLY:
                (folder / name).write_text(f'#!/bin/sh\necho "    (image only, skipped) {name} $*"\n')
            for name in REFUSED:
                (folder / name).write_text(f'#!/bin/sh\necho "{name} would change this machine" >&2\nexit 1\n')
            for stub in folder.iterdir():
                stub.chmod(0o755)
        return folder

    def copy(self, arguments: str, context: Path, files: list[str]) -> None:
        """``COPY src… dest`` from the build context (no ``--from``; ``--chown`` and ``--chmod`` are image-only)."""
        words = [word for word in shlex.split(arguments) if not word.startswith(('--chown', '--chmod'))]
        if any(word.startswith('--') for word in words):
            raise RecipeError(f'COPY {arguments}: option not followed by this check')
        *sources, destination = words
        target = self.path(destination)
        for source in sources:
            source = os.path.normpath(source)
            chosen = files if source == '.' else [f for f in files if f == source or f.startswith(source + '/')]
            if not chosen:
                raise RecipeError(f'COPY: {source} is not in the build context (or .dockerignore leaves it out)')
            for name in chosen:
                relative = name if source == '.' else os.path.relpath(name, os.path.dirname(source) or '.')
                into = target / relative if destination.endswith('/') or source == '.' else target
                into.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(context / name, into)
        print(f'  COPY {arguments}', flush=True)


def build(sandbox: Sandbox, instructions: list[Instruction], context: Path) -> None:
    """Follow the Dockerfile's build steps in the sandbox."""
    for folder in MAPPED:
        (sandbox.root / folder.lstrip('/')).mkdir(parents=True, exist_ok=True)
    (sandbox.root / 'home' / 'app-user').mkdir(exist_ok=True)
    print(f'FROM {sandbox.image.base}: a fresh venv of Python {sys.version.split()[0]}', flush=True)
    tagged = re.match(r'(?:docker\.io/)?(?:library/)?python:(\d+)\.(\d+)', sandbox.image.base)
    if tagged and (int(tagged[1]), int(tagged[2])) != sys.version_info[:2]:
        print(
            f'  note: the image has Python {tagged[1]}.{tagged[2]}, this check runs {sys.version_info[0]}.'
            f'{sys.version_info[1]}',
            flush=True,
        )
    subprocess.run([sys.executable, '-m', 'venv', str(sandbox.venv)], check=True)
    patterns = ignore_patterns((context / '.dockerignore').read_text() if (context / '.dockerignore').exists() else '')
    files = sorted(context_files(context, patterns))
    for instruction in instructions:
        keyword, arguments = instruction.keyword, instruction.arguments
        if keyword == 'ENV':
            sandbox.env.update(env_pairs(arguments))
        elif keyword == 'WORKDIR':
            sandbox.workdir = str(PurePosixPath(sandbox.workdir, arguments))
            sandbox.path(sandbox.workdir).mkdir(parents=True, exist_ok=True)
        elif keyword == 'COPY':
            sandbox.copy(arguments, context, files)
        elif keyword == 'RUN':
            if exec_form(arguments) is not None:
                raise RecipeError(f'line {instruction.line}: RUN in exec form is not followed by this check')
            sandbox.run_step(arguments)
        elif keyword in ('ADD', 'ARG', 'ONBUILD', 'SHELL'):
            raise RecipeError(f'line {instruction.line}: {keyword} is not followed by this check yet')


# ----- the container ----------------------------------------------------------------------------------------------


def free_port() -> int:
    """A loopback TCP port nobody listens on (docker run -p would map the container's port to it)."""
    with socket.socket() as probe:
        probe.bind(('127.0.0.1', 0))
        return int(probe.getsockname()[1])


def files_under(folder: Path) -> set[str]:
    """Every file below ``folder`` (relative paths)."""
    return {str(path.relative_to(folder)) for path in folder.rglob('*') if path.is_file()}


def healthz(port: int) -> int:
    """The status of GET /healthz (0: no answer)."""
    try:
        with urllib.request.urlopen(f'http://127.0.0.1:{port}/healthz', timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0


def check_versions(sandbox: Sandbox, lock: Path) -> None:
    """Every package the build installed is at the version requirements.lock pins (the ones CI tested)."""
    frozen = subprocess.run(
        [str(sandbox.venv / 'bin' / 'python'), '-m', 'pip', 'freeze', '--exclude-editable'],
        capture_output=True,
        text=True,
        check=True,
        env=sandbox.environment(),
    ).stdout
    pinned = {_normalized(line) for line in lock.read_text().splitlines() if '==' in line and not line.startswith('#')}
    loose = sorted(line for line in frozen.splitlines() if '==' in line and _normalized(line) not in pinned)
    if loose:
        raise RecipeError(f'installed at versions {lock.name} does not pin: {loose}')
    print(f'  versions: all {len(frozen.splitlines())} installed packages as {lock.name} pins', flush=True)


def _normalized(requirement: str) -> str:
    """``name==version`` with the name normalized as pip compares names."""
    name, _, version = requirement.strip().partition('==')
    return re.sub(r'[-_.]+', '-', name).lower() + '==' + version.strip()


def run_container(sandbox: Sandbox) -> None:
    """Start the CMD as ``docker run`` would, check it, stop it with SIGTERM."""
    image = sandbox.image
    port = free_port()
    env = sandbox.environment()
    env.update(HOST='127.0.0.1', PORT=str(port))  # the one deviation: loopback and a free port, as -p maps it
    app_dir = sandbox.path(sandbox.workdir)
    data_dir = Path(env['LOVEDCRM_DATA_DIR'])
    app_files = files_under(app_dir)
    command = [sandbox.mapped(word) for word in image.cmd]
    log_path = sandbox.root / 'container.log'
    print(f'CMD {image.cmd} on port {port} (log: {log_path})', flush=True)
    with log_path.open('wb') as log:
        process = subprocess.Popen(command, cwd=app_dir, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + START_SECONDS
        while (status := healthz(port)) != 200:
            if process.poll() is not None:
                raise RecipeError(f'the CMD exited with {process.returncode}:\n{_tail(log_path)}')
            if time.monotonic() > deadline:
                raise RecipeError(f'/healthz did not answer 200 within {START_SECONDS:.0f} s (last: {status})')
            time.sleep(0.2)
        print('  GET /healthz: 200', flush=True)
        check = subprocess.run(image.healthcheck, env=env, capture_output=True, text=True, timeout=30)
        if check.returncode != 0:
            raise RecipeError(f'the HEALTHCHECK command failed on a healthy server:\n{check.stderr}')
        print('  HEALTHCHECK: passes', flush=True)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    print(f'  stopped with SIGTERM: exit {process.returncode}', flush=True)
    after = subprocess.run(image.healthcheck, env=env, capture_output=True, timeout=30)
    if after.returncode == 0:
        raise RecipeError('the HEALTHCHECK command passes with no server running: it checks nothing')
    stored = files_under(data_dir)
    for expected in ('lovedcrm.db', 'secrets.json'):
        if expected not in stored:
            raise RecipeError(f'{expected} is not in the data volume ({sorted(stored)})')
    print(f'  data volume: {", ".join(sorted(stored))}', flush=True)
    written = files_under(app_dir) - app_files
    if written:
        raise RecipeError(f'the app wrote into {sandbox.workdir}, which is read-only in the image: {sorted(written)}')
    if process.returncode not in (0, -15):
        raise RecipeError(f'the CMD ended with {process.returncode} on SIGTERM:\n{_tail(log_path)}')


def _tail(path: Path, lines: int = 30) -> str:
    """The end of a log file (for failure messages)."""
    return '\n'.join(path.read_text(errors='replace').splitlines()[-lines:]) if path.exists() else ''


def main() -> int:
    """Check, build, run; print what holds and what does not."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--dockerfile', type=Path, default=ROOT / 'Dockerfile')
    parser.add_argument('--keep', action='store_true', help='keep the sandbox folder')
    options = parser.parse_args()
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix='image-recipe-'))
    try:
        instructions = parse_dockerfile(options.dockerfile.read_text())
        image = read_image(instructions)
        found = problems(image)
        if found:
            raise RecipeError('the Dockerfile breaks its promises:\n  - ' + '\n  - '.join(found))
        print(f'{options.dockerfile}: USER {image.user}, VOLUME {image.volumes}, EXPOSE {image.exposed}', flush=True)
        sandbox = Sandbox(root, image)
        build(sandbox, instructions, options.dockerfile.resolve().parent)
        check_versions(sandbox, options.dockerfile.resolve().parent / 'requirements.lock')
        run_container(sandbox)
    except (RecipeError, subprocess.CalledProcessError) as failure:
        print(f'IMAGE RECIPE FAILED: {failure}', file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f'sandbox kept: {root}')
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f'image recipe OK ({time.monotonic() - started:.0f} s)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
