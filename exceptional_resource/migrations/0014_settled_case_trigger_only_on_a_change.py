"""The settled-case trigger checks a status *change* to declined, withdrawn or closed, not
every UPDATE that names the status column. ``UPDATE OF status`` fires whenever the column is
in the SET list, so an update that writes the same status (a full ``save()``, a data fix)
on a settled case the bank has since returned a payment of (docs/money.md: the one case
where a settled case has an unpaid instalment, owed for days the award ran) was refused,
although nothing was being settled. The rule is about status changes: an INSERT with a
settled status is still checked, an UPDATE only when the status changes."""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS case_settled_when_closed ON exceptional_resource_case;
CREATE TRIGGER case_settled_when_inserted BEFORE INSERT ON exceptional_resource_case
    FOR EACH ROW WHEN (NEW.status IN ('declined', 'withdrawn', 'closed'))
    EXECUTE FUNCTION exceptional_resource_case_settled();
CREATE TRIGGER case_settled_when_closed BEFORE UPDATE OF status ON exceptional_resource_case
    FOR EACH ROW WHEN (NEW.status IN ('declined', 'withdrawn', 'closed') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION exceptional_resource_case_settled();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS case_settled_when_inserted ON exceptional_resource_case;
DROP TRIGGER IF EXISTS case_settled_when_closed ON exceptional_resource_case;
CREATE TRIGGER case_settled_when_closed BEFORE INSERT OR UPDATE OF status ON exceptional_resource_case
    FOR EACH ROW WHEN (NEW.status IN ('declined', 'withdrawn', 'closed'))
    EXECUTE FUNCTION exceptional_resource_case_settled();
"""


class Migration(migrations.Migration):
    dependencies = [("exceptional_resource", "0013_case_event_pool")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
