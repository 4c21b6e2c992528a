import sys

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from loyalty.models import Account
from loyalty.verification import CHUNK_SIZE, ledger_mismatches


class Command(BaseCommand):
    help = _(
        "Verify every points account against the ledger's rules: cached balances equal the "
        "journal and the lots and holds. Lists each mismatch and exits with status 1 if any."
    )

    def add_arguments(self, parser):
        parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE, help=_("Accounts read per query."))
        parser.add_argument("--no-progress", action="store_true", help=_("Do not show the progress bar."))

    def handle(self, *args, chunk_size, no_progress, **options):
        total = Account.objects.count()
        found = 0
        with tqdm(total=total, unit="accounts", disable=no_progress, file=sys.stderr) as progress:
            for mismatch in ledger_mismatches(chunk_size=chunk_size, on_chunk=progress.update):
                found += 1
                progress.write(str(mismatch), file=self.stdout._out)
        if found:
            self.stderr.write(
                self.style.ERROR(_("%(count)d mismatches in %(total)d accounts.") % {"count": found, "total": total})
            )
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(_("Ledger verified: %(total)d accounts, no mismatches.") % {"total": total})
        )
