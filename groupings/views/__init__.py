"""Pages for groupings, by area: members and school search, the add-a-school journey,
arrangements and their journeys with the trust's own academies, the policy and the public
grouping page."""
