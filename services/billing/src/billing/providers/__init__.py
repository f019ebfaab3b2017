"""Payment providers behind one interface: Stripe (primary) and PayPal (international)."""
