import sys
def test_probe():
    import gateway
    print("GATEWAY", gateway, getattr(gateway, "__file__", None), getattr(gateway, "__path__", None))
    print("MOD", __name__)
