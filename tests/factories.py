"""factory-boy factories shared by the whole suite."""

import factory

from loyalty.models import Order, Storefront
from members.models import Channel, Member


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Member

    external_id = factory.Sequence(lambda n: f"cust-{n:06d}")
    email = factory.Sequence(lambda n: f"member{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")


class StorefrontFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Storefront
        django_get_or_create = ("code",)

    name = factory.Sequence(lambda n: f"Shop {n}")
    code = factory.Sequence(lambda n: f"shop-{n}")
    kind = Channel.WEB_SHOP


class OrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Order

    storefront = factory.SubFactory(StorefrontFactory)
    number = factory.Sequence(lambda n: f"ORD-{n:06d}")
    member = factory.SubFactory(MemberFactory)
