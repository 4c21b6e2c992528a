"""Placeholder consent texts (version "default"), so sign-up works out of the
box; the merchant publishes their own versions in the admin."""

from django.db import migrations

TEXTS = {
    "personal_data": (
        "I agree that the program operator processes my personal data (name, email, phone, birth date, "
        "purchase history) to run the loyalty program: to keep my points account, to credit and spend "
        "points, and to provide the program's benefits. I may withdraw this consent at any time by "
        "deleting my account.",
        "Я даю согласие оператору программы на обработку моих персональных данных (имя, email, телефон, "
        "дата рождения, история покупок) для участия в программе лояльности: ведения бонусного счёта, "
        "начисления и списания баллов и предоставления привилегий программы. Я могу отозвать согласие в "
        "любой момент, удалив аккаунт.",
    ),
    "marketing_email": (
        "Send me offers and news of the program by email.",
        "Присылать мне предложения и новости программы по email.",
    ),
    "marketing_sms": (
        "Send me offers and news of the program by SMS.",
        "Присылать мне предложения и новости программы по SMS.",
    ),
    "marketing_push": (
        "Send me offers and news of the program as push notifications.",
        "Присылать мне предложения и новости программы push-уведомлениями.",
    ),
}


def create(apps, schema_editor):
    ConsentText = apps.get_model("members", "ConsentText")
    for purpose, (english, russian) in TEXTS.items():
        ConsentText.objects.get_or_create(
            purpose=purpose, version="default", defaults={"text_en": english, "text_ru": russian}
        )


class Migration(migrations.Migration):
    dependencies = [("members", "0003_cabinet_accounts")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
