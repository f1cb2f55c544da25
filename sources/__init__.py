"""Publisher files -> tidy, validated tables.

`catalogue` records where every vendored file came from; `readers` parse one wire format
each; `datasets` stage one publisher dataset each (geography keys, hazard rules, pandera
model); `geography` holds the country and city keys. Nothing here imports Dagster.
"""
