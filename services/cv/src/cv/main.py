"""Composition root of the cv service: `python -m cv.main serve|migrate`."""

from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.config import Settings
from cv.consumers import UserConsumers
from cv.grpc_api import SERVICE_NAME, CvServicer
from cv.service import CvService


def compose(resources: Resources[Settings]) -> Components:
    unit = UnitOfWork(resources.db)
    service = CvService(unit, resources.outbox, resources.settings)
    return Components(
        grpc_services=[GrpcService(SERVICE_NAME, CvServicer(unit, service).add_to_server)],
        subscriptions=UserConsumers(service).subscriptions(),
        publishes=events.PUBLISHED_DOMAINS,
        background=[service.run_purge],
        domain=service)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
