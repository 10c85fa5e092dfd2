"""Pages for exceptional-resource cases, one module per area:

- ``cases``: my school's cases, the case form (task list), case detail and its actions
- ``decisions``: the decision officer's queue and the decision page
- ``reviews``: reviews due and the review form
- ``letters``: decision letters (page and PDF)
- ``evidence``: evidence uploads and permission-checked downloads
"""
