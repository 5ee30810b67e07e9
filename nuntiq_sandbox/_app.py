"""Build the sandbox: two specs on one connexion app, wrapped in the middlewares.

Routing and request validation come from the spec files themselves
(the Customer API spec from ``nuntiq_spec`` at ``/v1``, ``sandbox-admin.yaml`` at ``/_sandbox``);
operationIds resolve to methods of per-app handler objects, so several
sandboxes can live in one process without sharing state. Specs are loaded
once here, never per request.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Any

import connexion
from connexion.middleware import MiddlewarePosition
from connexion.options import SwaggerUIOptions
from connexion.resolver import Resolver
from starlette.types import Receive, Scope, Send

from nuntiq_sandbox._auth import Authenticator, PermissionMiddleware, security_map
from nuntiq_sandbox._constants import ADMIN_BASE_PATH, API_BASE_PATH
from nuntiq_sandbox._middleware import (
    AdminKeyMiddleware,
    BodyLimitMiddleware,
    BodyLimits,
    FaultMiddleware,
    FaultRegistry,
    IdempotencyMiddleware,
    LatencyMiddleware,
    RequestIdMiddleware,
    UnreadBodyMiddleware,
    WriteLog,
)
from nuntiq_sandbox._problems import install_error_handlers
from nuntiq_sandbox._seed import SEEDS, seed_demo
from nuntiq_sandbox._spec import ADMIN_SPEC, CUSTOMER_SPEC, customer_spec, snake_case, spec_dir
from nuntiq_sandbox._store import Store
from nuntiq_sandbox._tokens import generate_admin_key
from nuntiq_sandbox._validation import VALIDATOR_MAP
from nuntiq_sandbox.handlers import (
    AdminHandlers,
    DeltaHandlers,
    IngestionHandlers,
    InvoiceHandlers,
    LifecycleHandlers,
    MasterDataHandlers,
)

__all__ = ["ADMIN_SPEC", "CUSTOMER_SPEC", "SandboxApp", "create_app", "snake_case", "spec_dir"]


class HandlerResolver(Resolver):
    """operationId -> the snake_case method of the first handler object that has it."""

    def __init__(self, handlers: Sequence[object]) -> None:
        super().__init__(function_resolver=self._find)
        self._handlers = tuple(handlers)

    def _find(self, operation_id: str) -> Callable[..., Any]:
        name = snake_case(operation_id)
        for handler in self._handlers:
            function = getattr(handler, name, None)
            if callable(function):
                return function  # type: ignore[no-any-return]
        raise AttributeError(f"no handler implements operationId {operation_id!r} (method {name})")


class SandboxApp:
    """The ASGI app, with its store, fault registry, admin key and demo token at hand for in-process use."""

    def __init__(
        self,
        asgi: Callable[[Scope, Receive, Send], Any],
        store: Store,
        faults: FaultRegistry,
        demo_token: str | None = None,
        *,
        admin_key: str,
    ) -> None:
        self._asgi = asgi
        self.store = store
        self.faults = faults
        self.demo_token = demo_token
        self.admin_key = admin_key

    def __repr__(self) -> str:
        return f"SandboxApp(store={self.store!r})"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._asgi(scope, receive, send)


def create_app(
    db: str = ":memory:",
    seed: str = "none",
    admin_key: str | None = None,
    *,
    demo_token: str | None = None,
    limits: BodyLimits | None = None,
) -> SandboxApp:
    """A sandbox over SQLite ``db``; ``seed="demo"`` loads the product docs' demo data.

    The admin API always needs a key: without ``admin_key`` one is generated (``SandboxApp.admin_key``).
    """
    if seed not in SEEDS:
        raise ValueError(f"unknown seed {seed!r}; choose one of {', '.join(SEEDS)}")
    store = Store(db)
    authenticator = Authenticator(store)
    faults = FaultRegistry()
    writes = WriteLog()
    app = connexion.AsyncApp(
        __name__,
        specification_dir=spec_dir(),
        validator_map=VALIDATOR_MAP,
        security_map=security_map(authenticator),
        resolver_error=501,
        swagger_ui_options=SwaggerUIOptions(swagger_ui=False, serve_spec=True),
    )
    app.add_api(
        copy.deepcopy(customer_spec()),  # the spec the SDK reads (nuntiq_spec); connexion may change its copy
        base_path=API_BASE_PATH,
        name="customer",
        resolver=HandlerResolver(
            [
                InvoiceHandlers(store),
                LifecycleHandlers(store),
                DeltaHandlers(store),
                IngestionHandlers(store),
                MasterDataHandlers(store),
            ]
        ),
    )
    app.add_api(
        ADMIN_SPEC,
        base_path=ADMIN_BASE_PATH,
        name="admin",
        resolver=HandlerResolver([AdminHandlers(store, faults, authenticator.forget, writes)]),
    )
    # Each lands just before request validation, after the previous one: after security.
    app.add_middleware(PermissionMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION)
    app.add_middleware(BodyLimitMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, limits=limits)
    app.add_middleware(IdempotencyMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION, store=store, writes=writes)
    app.add_middleware(LatencyMiddleware, position=MiddlewarePosition.BEFORE_VALIDATION)
    install_error_handlers(app)
    if seed == "demo":
        demo_token = seed_demo(store, demo_token)
    admin_key = admin_key or generate_admin_key()
    asgi: Any = AdminKeyMiddleware(app, admin_key)
    asgi = RequestIdMiddleware(asgi)
    asgi = UnreadBodyMiddleware(asgi)
    asgi = FaultMiddleware(asgi, faults, authenticator.tenant_of)
    return SandboxApp(asgi, store, faults, demo_token if seed == "demo" else None, admin_key=admin_key)
