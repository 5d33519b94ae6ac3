"""Every persisted model, imported so that `Base.metadata` is complete (migrations check against it)."""

from landbridge.accounts.models import ApiKey, Customer  # noqa: F401
from landbridge.booking.models import (  # noqa: F401
    Booking,
    BookingContainer,
    BookingEvent,
    BookingReservation,
    DepartureSection,
    Quote,
    QuoteOption,
)
from landbridge.db.base import Base
from landbridge.ecommerce.models import ConsolidationRun, Container, Import, Order, Seller  # noqa: F401
from landbridge.idempotency.models import IdempotencyRecord  # noqa: F401
from landbridge.tracking.models import (  # noqa: F401
    Delivery,
    Subscription,
    TrackingEvent,
    TrainEta,
    TrainPosition,
)

metadata = Base.metadata
