"""An account's balance read from the index alone (issue 22): the legs' (body, account)
index also carries the amount, so summing an account's legs is an index-only scan. The new
index is built before the old one is dropped, so balances never lose their index. Building it
takes a lock that holds back postings (inserts of legs) until it is built: seconds on a
national ledger of three million legs (18 s for the bench's, on a shared 2-core machine).
Deploy it when no payment run or import is posting (docs/operations.md, "Migrations that
build indexes")."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("pooling", "0011_payment_line_returned_on_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="leg",
            index=models.Index(
                fields=["responsible_body", "account"], include=("amount_pence",), name="leg_body_account_amount"
            ),
        ),
        migrations.RemoveIndex(
            model_name="leg",
            name="leg_body_account",
        ),
    ]
