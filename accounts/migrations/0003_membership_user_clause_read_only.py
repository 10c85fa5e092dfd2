"""A member may read their own memberships in every body (the body switcher), but may not
write them: the user clause moves from the all-commands policy to a SELECT-only one."""

from django.db import migrations

from core.tenancy import rls_predicate

FORWARD = f"""
DROP POLICY IF EXISTS tenant_isolation ON accounts_membership;
CREATE POLICY tenant_isolation ON accounts_membership USING {rls_predicate()} WITH CHECK {rls_predicate()};
CREATE POLICY own_memberships_readable ON accounts_membership FOR SELECT
    USING (user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
"""

BACKWARD = f"""
DROP POLICY IF EXISTS own_memberships_readable ON accounts_membership;
DROP POLICY IF EXISTS tenant_isolation ON accounts_membership;
CREATE POLICY tenant_isolation ON accounts_membership
    USING ({rls_predicate()} OR user_id = NULLIF(current_setting('app.user_id', true), '')::bigint)
    WITH CHECK ({rls_predicate()} OR user_id = NULLIF(current_setting('app.user_id', true), '')::bigint);
"""


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_rls_and_append_only_audit")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
