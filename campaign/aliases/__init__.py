"""Alias cleansing (aliasCleansing, daily 03:00): standardise the values of the fields
enumerations govern through their aliases, with an audit that can be reverted."""
