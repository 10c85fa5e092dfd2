"""Ledger integrity in the database: balanced transactions (checked at commit), immutable
transactions and legs, no postings to a closed pool, legs that stay within one body; and
row-level security on every pooling table."""

from django.db import migrations

from core.rls import EnableRowLevelSecurity

LEDGER_SQL = """
-- Every transaction's legs sum to zero and it has at least two legs. Deferred to commit,
-- so a service can insert the transaction and its legs in any order. The check must see
-- all legs whatever tenant context is (or is no longer) set, so it looks as the platform
-- and restores the setting at once.
CREATE OR REPLACE FUNCTION pooling_check_transaction_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    txn_id bigint;
    total numeric;
    legs integer;
    previous text;
BEGIN
    IF TG_TABLE_NAME = 'pooling_leg' THEN
        txn_id := NEW.transaction_id;
    ELSE
        txn_id := NEW.id;
    END IF;
    previous := coalesce(current_setting('app.platform', true), '');
    PERFORM set_config('app.platform', 'on', true);
    SELECT coalesce(sum(amount_pence), 0), count(*) INTO total, legs
        FROM pooling_leg WHERE transaction_id = txn_id;
    PERFORM set_config('app.platform', previous, true);
    IF legs < 2 THEN
        RAISE EXCEPTION 'ledger transaction % has % leg(s); a posting needs at least two', txn_id, legs
            USING ERRCODE = 'check_violation';
    END IF;
    IF total <> 0 THEN
        RAISE EXCEPTION 'ledger transaction % is unbalanced: its legs sum to % pence', txn_id, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER leg_balanced_at_commit
    AFTER INSERT ON pooling_leg DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pooling_check_transaction_balanced();
CREATE CONSTRAINT TRIGGER transaction_has_balanced_legs_at_commit
    AFTER INSERT ON pooling_transaction DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION pooling_check_transaction_balanced();

-- Posted money is never edited or deleted: corrections are reversing transactions.
CREATE TRIGGER transaction_immutable BEFORE UPDATE OR DELETE ON pooling_transaction
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_change();
CREATE TRIGGER leg_immutable BEFORE UPDATE OR DELETE ON pooling_leg
    FOR EACH ROW EXECUTE FUNCTION accounts_refuse_change();

-- A leg belongs to its transaction's and its account's body, and a closed pool takes no postings.
CREATE OR REPLACE FUNCTION pooling_check_leg() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    account_body bigint;
    txn_body bigint;
    pool_status text;
BEGIN
    SELECT a.responsible_body_id, p.status INTO account_body, pool_status
        FROM pooling_account a JOIN pooling_pool p ON p.id = a.pool_id WHERE a.id = NEW.account_id;
    SELECT t.responsible_body_id INTO txn_body FROM pooling_transaction t WHERE t.id = NEW.transaction_id;
    IF account_body IS DISTINCT FROM NEW.responsible_body_id OR txn_body IS DISTINCT FROM NEW.responsible_body_id THEN
        RAISE EXCEPTION 'a ledger leg must belong to the same responsible body as its account and transaction'
            USING ERRCODE = 'check_violation';
    END IF;
    IF pool_status <> 'open' THEN
        RAISE EXCEPTION 'the pool of account % is closed: no further postings', NEW.account_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER leg_same_body_open_pool BEFORE INSERT ON pooling_leg
    FOR EACH ROW EXECUTE FUNCTION pooling_check_leg();
"""

DROP_LEDGER_SQL = """
DROP TRIGGER IF EXISTS leg_same_body_open_pool ON pooling_leg;
DROP FUNCTION IF EXISTS pooling_check_leg();
DROP TRIGGER IF EXISTS leg_immutable ON pooling_leg;
DROP TRIGGER IF EXISTS transaction_immutable ON pooling_transaction;
DROP TRIGGER IF EXISTS transaction_has_balanced_legs_at_commit ON pooling_transaction;
DROP TRIGGER IF EXISTS leg_balanced_at_commit ON pooling_leg;
DROP FUNCTION IF EXISTS pooling_check_transaction_balanced();
"""

TENANT_TABLES = [
    "pool",
    "account",
    "transaction",
    "leg",
    "imfallocationimport",
    "imfallocation",
    "contribution",
    "receipt",
    "instalmentschedule",
    "instalment",
    "paymentrun",
    "paymentrunline",
    "remittance",
]


class Migration(migrations.Migration):
    dependencies = [("pooling", "0001_initial"), ("accounts", "0002_rls_and_append_only_audit")]

    operations = [
        *[EnableRowLevelSecurity(name) for name in TENANT_TABLES],
        migrations.RunSQL(LEDGER_SQL, DROP_LEDGER_SQL),
    ]
