"""Ledgers (台账): community bodies, social organisations, workers, volunteers, facilities,
enterprises and business-building work stations, street-lane chiefs and alley stewards; their
Excel import/export and change history, and the indicators computed from them (computed.py)."""
