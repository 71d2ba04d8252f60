"""``kpi serve``: Voilà on ``notebooks/dashboards`` with the suite's offline template.

What it guarantees:

* **Local unless protected.** It binds 127.0.0.1 by default and refuses any other address
  unless a token or a password protects the pages (:func:`check_serve_params`).
* **Offline.** The ``kpi_dashboard`` template (``jupyter/voila/templates/`` beside this module)
  links no CDN; the template and theme cannot be switched from the URL.
* **Read-only, same code.** Kernels run this very interpreter (the project's environment) and
  get the database URL in ``KPI_DATABASE_URL`` made absolute; the notebooks open it read-only.
* **Sources stripped, kernels preheated** (a pool per notebook sized from the memory
  available, the imports and the default view already computed; a kernel or two per notebook
  warm before the port opens, the rest in the background: :mod:`kpilib.dashboards.pool`);
  the province view computed once for all kernels (a private shared folder,
  :mod:`kpilib.views.shared_cache`).
* **Memory that comes back.** A kernel whose page has closed is shut down within a minute
  (:data:`CULL_IDLE_SECONDS` idle and no browser connected, checked every
  :data:`CULL_INTERVAL_SECONDS`).

Secrets (the token, the password hash) never appear on a command line: Voilà runs in this
process and they are set on its configuration objects.
"""

from __future__ import annotations

import ipaddress
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets.config import Config

from kpilib.dashboards.page import ENV_CHART_BUNDLE, write_chart_bundle
from kpilib.dashboards.pool import KERNEL_MB, MAX_POOL, available_mb, launch_quota, plan_pools
from kpilib.errors import ServeError
from kpilib.parameter_files import ENV_PARAMETERS_DIR
from kpilib.present.html import STYLES_DIR
from kpilib.store.database import ENV_WRITER_URL, database_url, mask_url, sqlite_path
from kpilib.views.shared_cache import ENV_VIEW_CACHE

TEMPLATE = "kpi_dashboard"
#: The Jupyter data folder that holds ``voila/templates/kpi_dashboard``.
JUPYTER_DATA = Path(__file__).resolve().parent / "jupyter"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8866
ENV_TOKEN = "KPI_SERVE_TOKEN"  # noqa: S105 (the name of a variable, no secret)
ENV_PASSWORD_HASH = "KPI_SERVE_PASSWORD_HASH"  # noqa: S105 (the name of a variable, no secret)
#: Seconds a kernel with no browser attached may stay idle, and how often that is checked:
#: a closed page's kernel is gone within a minute. Pool kernels are never culled (Voilà), nor
#: a kernel with a browser attached (``cull_connected`` False) or running code (``cull_busy``).
CULL_IDLE_SECONDS = 30
CULL_INTERVAL_SECONDS = 5
#: Seconds Voilà waits after a viewer takes a pool kernel before asking for its replacement
#: (the replacement then also waits for a quiet moment: :mod:`kpilib.dashboards.pool`).
FILL_DELAY_SECONDS = 2


@dataclass(frozen=True)
class ServeParams:
    """How ``kpi serve`` runs Voilà."""

    dashboards_dir: Path
    database_url: str
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    base_url: str = "/"
    #: Preheated kernels of the province page; None: planned from the memory available.
    pool_size: int | None = None
    token: str | None = field(default=None, repr=False)
    password_hash: str | None = field(default=None, repr=False)
    #: The parameters folder whose status thresholds the dashboards rate with (the reports').
    parameters_dir: Path | None = None


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_serve_params(params: ServeParams) -> None:
    """Refuse what would be unsafe or cannot work; raise :class:`ServeError` saying what to do."""
    _check_protection(params)
    _check_address(params)
    _check_folders(params)


def _check_protection(params: ServeParams) -> None:
    """A token or a password hash wherever the address is not this machine's own."""
    if not is_loopback(params.host) and not (params.token or params.password_hash):
        raise ServeError(
            f"refusing to serve the dashboards on {params.host!r} without protection: anyone "
            f"who can reach that address could read them. Set a token ({ENV_TOKEN} or --token) "
            f"or a password hash ({ENV_PASSWORD_HASH} or --password-hash), or keep the default "
            f"--host {DEFAULT_HOST} behind a reverse proxy that authenticates (see README, "
            "Dashboards)."
        )
    if params.token is not None and len(params.token) < 16:
        raise ServeError(
            "the token must be at least 16 characters long (e.g. `openssl rand -hex 24`)"
        )
    if params.password_hash is not None and ":" not in params.password_hash:
        raise ServeError(
            "the password hash must be one made by jupyter_server.auth.passwd() "
            "(e.g. 'argon2:$argon2id$…'), not a plain password"
        )


def _check_address(params: ServeParams) -> None:
    """A usable port, base URL and kernel pool."""
    if not 1 <= params.port <= 65535:
        raise ServeError(f"port {params.port} is not between 1 and 65535")
    if not params.base_url.startswith("/") or not params.base_url.endswith("/"):
        raise ServeError(
            f"--base-url must start and end with '/', e.g. /dashboards/ (not {params.base_url!r})"
        )
    if params.pool_size is not None and not 1 <= params.pool_size <= MAX_POOL:
        raise ServeError(f"--pool-size must be between 1 and {MAX_POOL}")


def _check_folders(params: ServeParams) -> None:
    """The dashboards' notebooks."""
    folder = params.dashboards_dir
    if not folder.is_dir() or not any(folder.glob("*.ipynb")):
        raise ServeError(f"no dashboard notebooks in {folder} (expected notebooks/dashboards)")


def absolute_database_url(url: str | None) -> str:
    """The database URL a kernel can use from any working directory: a relative SQLite path
    made absolute (Voilà starts kernels in the notebooks' folder)."""
    resolved = database_url(url)
    path = sqlite_path(resolved)
    if resolved.get_backend_name() == "sqlite" and path is not None and not path.is_absolute():
        resolved = resolved.set(database=str(path.resolve()))
    return resolved.render_as_string(hide_password=False)


def build_voila_argv(params: ServeParams) -> list[str]:
    """Voilà's command-line arguments for ``params`` (no secret is among them)."""
    return [
        str(params.dashboards_dir),
        "--no-browser",
        f"--Voila.ip={params.host}",
        f"--Voila.port={params.port}",
        "--Voila.port_retries=0",
        f"--Voila.base_url={params.base_url}",
        f"--template={TEMPLATE}",
        "--theme=light",
        "--strip_sources=True",
        "--show_tracebacks=False",
        "--preheat_kernel=True",
        "--pool_size=1",  # notebooks the plan does not name; see build_voila_config
        "--VoilaConfiguration.classic_tree=True",
        "--VoilaConfiguration.allow_template_override=NO",
        "--VoilaConfiguration.allow_theme_override=NO",
        "--VoilaConfiguration.kernel_spec_manager_class="
        "kpilib.report.kernels.ProjectKernelSpecManager",
        "--KernelManager.transport=ipc",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
        "--MappingKernelManager.cull_busy=False",
    ]


def build_kernel_environment(params: ServeParams, base: dict[str, str]) -> dict[str, str]:
    """The environment Voilà (and so every dashboard kernel) runs with: the database URL, the
    template folder first on ``JUPYTER_PATH``; the serve secrets removed."""
    hidden = (ENV_TOKEN, ENV_PASSWORD_HASH, ENV_WRITER_URL)
    env = {k: v for k, v in base.items() if k not in hidden}
    env["KPI_DATABASE_URL"] = params.database_url
    env[ENV_CHART_BUNDLE] = "1"
    if params.parameters_dir is not None:
        env[ENV_PARAMETERS_DIR] = str(params.parameters_dir.resolve())
    paths = [str(JUPYTER_DATA), *filter(None, base.get("JUPYTER_PATH", "").split(os.pathsep))]
    env["JUPYTER_PATH"] = os.pathsep.join(paths)
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    return env


def server_address(params: ServeParams) -> str:
    """``http://127.0.0.1:8866/``: where the server answers."""
    host = f"[{params.host}]" if ":" in params.host else params.host
    return f"http://{host}:{params.port}{params.base_url}"


def describe_server(params: ServeParams) -> str:
    """One line for the console: where the dashboards are and on which database."""
    protection = (
        "token required" if params.token else "password required" if params.password_hash
        else "no login (local only)"
    )  # fmt: skip
    return (
        f"Dashboards at {server_address(params)} ({protection}); "
        f"database {mask_url(params.database_url)}; read-only kernels; Ctrl-C stops."
    )


def run_server(
    params: ServeParams,
    extra_handlers: Sequence[tuple[str, Any, dict[str, Any]]] = (),
    on_stop: Callable[[], Any] | None = None,
) -> None:
    """Run Voilà in this process until it is stopped (Ctrl-C or SIGTERM).

    ``extra_handlers`` are Tornado routes served before Voilà's own by the same server (the
    portal's, from ``kpi serve --portal``: the dashboards do not know what they are);
    ``on_stop`` runs when the server stops."""
    check_serve_params(params)
    environment = build_kernel_environment(params, dict(os.environ))
    os.environ.clear()
    os.environ.update(environment)
    from kpilib.dashboards.voila_app import build_voila_class

    pools = plan_pools(dashboard_notebooks(params.dashboards_dir), available_mb(),
                       params.pool_size)  # fmt: skip
    print(describe_pools(pools), flush=True)
    voila_class = build_voila_class(extra_handlers, on_ready=announce_ready, on_progress=announce)
    with tempfile.TemporaryDirectory(prefix="kpi-serve-") as folder:
        views = Path(folder) / "views"  # private (mode 700): kernels share computed views
        views.mkdir(mode=0o700)
        os.environ[ENV_VIEW_CACHE] = str(views)
        app = voila_class(config=build_voila_config(pools))
        app.initialize(build_voila_argv(params))
        if params.token:
            app.token = params.token
        if params.password_hash:
            app.config.PasswordIdentityProvider.hashed_password = params.password_hash
            app.config.PasswordIdentityProvider.password_required = True
        static = Path(folder) / "static"
        static.mkdir()
        write_chart_bundle(static)
        app.static_paths.append(str(static))
        app.template_paths.append(str(STYLES_DIR))  # the base stylesheet the template includes
        try:
            app.start()
        finally:
            if on_stop is not None:
                on_stop()


def dashboard_notebooks(folder: Path) -> list[str]:
    """The dashboards' notebook names (what Voilà keeps a pool for)."""
    return sorted(path.name for path in folder.glob("*.ipynb"))


def describe_pools(pools: dict[str, int]) -> str:
    """One console line: how many kernels each dashboard keeps warm, why that many, and how
    many are warm before the port opens."""
    sizes = ", ".join(f"{name.removesuffix('.ipynb')} {size}" for name, size in pools.items())
    first = sum(launch_quota(name, size) for name, size in pools.items())
    return (
        f"Warming kernels: {sizes} (from {available_mb() / 1024:.1f} GB available, "
        f"~{KERNEL_MB} MB each); the port opens once {first} of them are ready, the rest warm "
        "in the background."
    )


def announce(line: str) -> None:
    """A progress line on the console (pools warming, pools grown)."""
    print(line, flush=True)


def announce_ready(warm: dict[str, int]) -> None:
    """The console line that says the server takes viewers."""
    sizes = ", ".join(f"{name.removesuffix('.ipynb')} {size}" for name, size in warm.items())
    print(f"Ready: kernels warm ({sizes}); the others keep warming in the background while no "
          "viewer needs the processors.", flush=True)  # fmt: skip


#: Front-end extensions installed beside Voilà that no dashboard page needs, so the browser
#: is not made to fetch and run them: pygments' code highlighting (sources are stripped).
UNUSED_FRONTEND_EXTENSIONS = ["jupyterlab_pygments"]


def build_voila_config(pools: dict[str, int] | None = None) -> Config:
    """Settings that the command line cannot express: no file of the dashboards folder is
    served (the notebooks' folder holds nothing a page needs), the front-end extensions the
    pages do not use are not loaded, and each notebook's pool has its planned size."""
    config = Config()
    config.VoilaConfiguration.file_allowlist = []
    config.VoilaConfiguration.extension_denylist = UNUSED_FRONTEND_EXTENSIONS
    config.VoilaKernelManager.kernel_pools_config = {
        "default": {"pool_size": 1},
        **{name: {"pool_size": size} for name, size in (pools or {}).items()},
    }
    config.VoilaKernelManager.fill_delay = FILL_DELAY_SECONDS
    return config
