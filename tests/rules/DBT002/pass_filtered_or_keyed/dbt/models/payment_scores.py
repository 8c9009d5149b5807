def model(dbt, session):
    dbt.config(materialized="incremental")
    payments = dbt.ref("payments")
    if dbt.is_incremental:
        latest = session.sql(f"select max(paid_at) from {dbt.this}").fetchone()[0]
        payments = payments.filter(f"paid_at > '{latest}'")
    return payments
