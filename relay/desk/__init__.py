"""The help desk's policy, sans-I/O: queues and their opening hours, wait estimates,
and who takes whom next.

Plain objects fed numbers, dates and the time, so every rule is tested with a fake
clock (``tests/relay/test_desk_policy.py``):

* :mod:`relay.desk.hours` — a queue's opening hours in its own time zone, with
  holidays: open now?, when does it open next?, which callback windows can be
  offered;
* :mod:`relay.desk.estimate` — the estimated wait for a place in a queue, from
  recent handle times and the agents serving it (the formula is in its docstring
  and in docs/admin.md);
* :mod:`relay.desk.routing` — "Take next": which waiting customer an agent gets,
  and whether an agent may take one now;
* :mod:`relay.desk.lobby` — the single-node waiting room built on the above;
* :mod:`relay.desk.callbacks` — which callback windows to offer, and whether a
  chosen one still holds;
* :mod:`relay.desk.shared` — the cluster's waiting room in Redis (atomic join and
  claim);
* :mod:`relay.desk.config` — the desk file (``desk.toml``): queues, names in
  English and Korean, teams, limits, hours and holidays, checked with sentences
  that name the key;
* :mod:`relay.desk.changes` — what supervisors and admins change of a queue while
  the relay runs (open or closed now, hours, special days, limits, teams), laid over
  the desk file.
"""
