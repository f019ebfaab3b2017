"""Composition root of the cv service: `python -m cv.main serve|migrate`."""

from career.billing.v1 import billing_pb2_grpc
from career.files.v1 import files_pb2_grpc
from career_kit.conversions import utc_now
from career_kit.grpc.client import create_channel
from career_kit.grpc.server import GrpcService
from career_kit.service import Components, Resources, ServiceRuntime
from career_kit.unit_of_work import UnitOfWork
from cv import events
from cv.ai.features import AiFeatures
from cv.ai.metering import Metering
from cv.ai.models import AiModels
from cv.collaboration import Collaboration
from cv.config import Settings
from cv.consumers import UserConsumers
from cv.export_store import ExportStore
from cv.exports import Exporter
from cv.grpc_api import SERVICE_NAME, CvServicer
from cv.photos import Photos
from cv.plans import PlanGate
from cv.service import CvService
from cv.sharing import Sharing
from cv.uploads import Uploads


def compose(resources: Resources[Settings]) -> Components:
    settings = resources.settings
    secret = settings.platform.internal_secret.get_secret_value()
    billing = create_channel(settings.billing_grpc_target, secret)
    files = create_channel(settings.files_grpc_target, secret)
    files_stub = files_pb2_grpc.FilesServiceStub(files)
    billing_stub = billing_pb2_grpc.BillingServiceStub(billing)
    photos = Photos(files_stub)
    unit = UnitOfWork(resources.db)
    store = ExportStore(unit, files_stub, resources.redis, settings.platform.redis_key_prefix,
                        utc_now)
    service = CvService(unit, resources.outbox, settings, PlanGate(billing_stub), photos, store)
    sharing = Sharing(resources.outbox, resources.redis, settings.platform.redis_key_prefix,
                      utc_now)
    models = AiModels(settings)
    ai = AiFeatures(unit, resources.outbox, models, Metering(unit, billing_stub, utc_now),
                    utc_now)
    servicer = CvServicer(
        unit, service, Exporter(unit, resources.outbox, sharing, photos, store, utc_now),
        sharing,
        Collaboration(utc_now), Uploads(unit, service, files_stub), ai)
    return Components(
        grpc_services=[GrpcService(SERVICE_NAME, servicer.add_to_server)],
        subscriptions=UserConsumers(service).subscriptions(),
        publishes=events.PUBLISHED_DOMAINS,
        background=[service.run_purge],
        closers=[store.settled, models.aclose, billing.close, files.close],
        domain=service)


def main() -> None:
    ServiceRuntime(Settings(), compose).main()


if __name__ == "__main__":
    main()
