"""Scheduling adapters: the built-in calendar (memory and SQL stores) and FHIR R4 EHRs."""
