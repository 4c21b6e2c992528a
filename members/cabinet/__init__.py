"""The shopper's personal cabinet at /account/: its shell lives in members
(sign-up and sign-in, profile, consents, my data, the layout), and the apps
above members fill it through the extension points of ``registry``."""
