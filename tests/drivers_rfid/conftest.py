from tests.drivers_rfid.fixtures import feig_reader, feig_sim

__all__ = ["feig_reader", "feig_sim"]
