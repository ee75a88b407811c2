"""Helpers that import no app of ours: the clock, domain errors, phone numbers, progress on
long commands, spreadsheets. Every app may import them; they import only Python and Django."""
