"""The outbox: work to do after a change is a row written in the change's own transaction,
handed to the broker after commit and handed again by a frequent sweep until the task
says it finished (``docs/operations.md``, "Broker outage")."""
