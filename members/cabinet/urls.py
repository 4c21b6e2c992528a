"""The cabinet's own pages, under /account/ (config/urls.py). loyalty and
rewards add theirs under the same prefix with their own namespaces."""

from django.urls import path

from . import views

app_name = "cabinet"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("card/", views.card, name="card"),
    path("sign-up/", views.sign_up, name="sign_up"),
    path("sign-up/check-your-email/", views.sign_up_done, name="sign_up_done"),
    path("verify/<str:uid>/<str:token>/", views.verify_email, name="verify_email"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("password-reset/", views.password_reset, name="password_reset"),
    path("password-reset/<str:uid>/<str:token>/", views.password_reset_confirm, name="password_reset_confirm"),
    path("profile/", views.profile, name="profile"),
    path("consents/<str:purpose>/", views.consent_text, name="consent_text"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.data_download, name="data_download"),
    path("my-data/delete/", views.delete_account, name="delete_account"),
    path("rules/", views.rules, name="rules"),
    path("brand.css", views.brand_css, name="brand_css"),
]
