"""The exceptional-resource API under ``/api/v1/bodies/<body_slug>/``, one module per area:

- ``pupils``: pupils (list, record one, one pupil with their identity for permitted roles)
- ``cases``: cases, their drafts, provision map, resource lines, outcomes and every transition
- ``letters``: the decision letter as a PDF
- ``awards``: awards with instalments, variation, early end; reviews and the reviews due
- ``serializers``: the output shapes the modules share
"""
