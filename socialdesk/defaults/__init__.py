"""The packaged defaults: catalog, rules, guard policy, reply templates, lexicon.

Settings may point any of them elsewhere ([paths] in socialdesk.toml); these files are what a
fresh install uses, and what `socialdesk init --copy-defaults` copies out for editing.
"""
