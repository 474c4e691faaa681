"""The village duties list (村级事务准入): the matters a village takes on; a task sent down
outside the list and without a written basis may be declined by each village."""
