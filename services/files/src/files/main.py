"""Composition root of the files service: `python -m files.main serve|migrate`."""

from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime
from career_kit.unit_of_work import UnitOfWork
from files import events
from files.config import Settings
from files.consumers import UserConsumers
from files.grpc_api import SERVICE_NAME, FilesServicer
from files.http_api import upload_routes
from files.scanning import build_scanner
from files.service import FileService
from files.storage.factory import build_storage
from files.storage.local import LocalStorage


def compose(resources: Resources[Settings]) -> Components:
    settings = resources.settings
    storage = build_storage(settings)
    scanner = build_scanner(settings.clamav_url, scanning_off=settings.malware_scan == "off",
                            production=settings.platform.environment == "production")
    unit = UnitOfWork(resources.db)
    service = FileService(unit, resources.outbox, storage, scanner, settings)
    return Components(
        grpc_services=[GrpcService(SERVICE_NAME, FilesServicer(unit, service).add_to_server)],
        subscriptions=UserConsumers(service).subscriptions(),
        publishes=events.PUBLISHED_DOMAINS,
        http_routes=upload_routes(
            service, internal_secret=settings.platform.internal_secret.get_secret_value(),
            spool_dir=settings.data_dir / "spool",
            local=storage if isinstance(storage, LocalStorage) else None),
        background=[service.run_sweeps],
        closers=[storage.close],
        domain=service)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
