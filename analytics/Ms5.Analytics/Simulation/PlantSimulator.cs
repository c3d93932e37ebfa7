using Ms5.Analytics.Events;
using Ms5.Analytics.Plant;

namespace Ms5.Analytics.Simulation;

/// <summary>
/// Simulates every machine of a plant as a state machine on a discrete clock: running with counts at
/// the machine's ideal rate × speed factor and a reject probability, failures (down with an unplanned
/// reason code), micro-stops, changeovers (setup), planned stops from the shift calendar, and injected
/// incidents. Deterministic: the same seed, plant, start and options yield the same events. One file: the
/// machine state machine and its clock are one concept (a little over 300 lines).
/// </summary>
public sealed class PlantSimulator
{
    private readonly PlantConfig _plant;
    private readonly SimulatorOptions _options;
    private readonly List<MachineSim> _machines;
    private DateTimeOffset _clock;
    private bool _started;

    public PlantSimulator(PlantConfig plant, DateTimeOffset start, SimulatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(plant);
        _plant = plant;
        _options = options ?? new SimulatorOptions();
        if (_options.Tick <= TimeSpan.Zero || _options.CountInterval < _options.Tick)
        {
            throw new ArgumentException("Tick must be positive and CountInterval at least one tick.", nameof(options));
        }

        _clock = start;
        _machines = plant.Machines.Select(m => new MachineSim(m, plant, _options, StableHash(m.Id) ^ _options.Seed)).ToList();
        if (_machines.Count == 0)
        {
            throw new ArgumentException("The plant has no machines.", nameof(plant));
        }

        if (_options.Anomalies is { } injection)
        {
            var plan = new AnomalyPlanner(plant, injection, start, _options.Tick, _options.Seed).Plan(_machines.Select(m => m.PlanInput).ToList());
            InjectedAnomalies = plan;
            foreach (var m in _machines)
            {
                m.Inject(plan.Where(a => a.MachineId == m.Id).SelectMany(a => a.Stops).Select(s => new Incident(m.Id, s.Start, s.Duration, s.Reason)));
            }
        }
    }

    public DateTimeOffset Clock => _clock;

    /// <summary>The labels of <see cref="SimulatorOptions.Anomalies"/> in start order; empty when none are injected.</summary>
    public IReadOnlyList<InjectedAnomaly> InjectedAnomalies { get; } = [];

    /// <summary>Advances the clock to <paramref name="until"/> (exclusive) and returns the events in time order.</summary>
    public IReadOnlyList<MachineEvent> AdvanceTo(DateTimeOffset until)
    {
        var events = new List<MachineEvent>();
        if (!_started)
        {
            foreach (var m in _machines)
            {
                m.Start(_clock, events);
            }

            _started = true;
        }

        while (_clock + _options.Tick <= until)
        {
            _clock += _options.Tick;
            foreach (var m in _machines)
            {
                m.Step(_clock, events);
            }
        }

        return events;
    }

    /// <summary>FNV-1a: string.GetHashCode is randomised per process and would break determinism.</summary>
    internal static int StableHash(string s)
    {
        unchecked
        {
            var h = 2166136261u;
            foreach (var c in s)
            {
                h = (h ^ c) * 16777619u;
            }

            return (int)h;
        }
    }

    private sealed class MachineSim
    {
        private readonly Machine _m;
        private readonly PlantConfig _plant;
        private readonly SimulatorOptions _o;
        private readonly SimulationProfile _profile;
        private readonly Random _rng;
        private readonly string[] _failureReasons;
        private readonly string? _microReason;
        private readonly string? _setupReason;
        private readonly string? _startupReason;
        private readonly string[] _products;
        private int _productIndex;
        private DateTimeOffset _warmupUntil = DateTimeOffset.MinValue;
        private MachineState _state;
        private DateTimeOffset _until;
        private double _cycles;
        private DateTimeOffset _nextCount;
        private long _goodTotal;
        private long _rejectTotal;
        private string? _incidentReason;
        private string? _plannedReason;
        private Incident[] _incidents;

        public MachineSim(Machine m, PlantConfig plant, SimulatorOptions o, int seed)
        {
            _m = m;
            _plant = plant;
            _o = o;
            _profile = o.Profiles.GetValueOrDefault(m.Id) ?? SimulationProfile.Default;
            _rng = new Random(seed);
            var allowed = plant.ReasonCodes.Where(r => m.ReasonCodes.Count == 0 || m.ReasonCodes.Contains(r.Code)).ToList();
            _failureReasons = allowed.Where(r => r.Category == ReasonCategory.Unplanned).Select(r => r.Code).ToArray();
            _microReason = allowed.FirstOrDefault(r => r.Category == ReasonCategory.MicroStop)?.Code;
            _setupReason = allowed.FirstOrDefault(r => r.Category == ReasonCategory.Setup)?.Code;
            _startupReason = allowed.FirstOrDefault(r => r.Category == ReasonCategory.Startup)?.Code;
            _products = [.. m.ProductCycleTimes.Keys.Order(StringComparer.Ordinal)];

            // This machine's incidents in the options' order: the same first match as searching them all, without scanning other machines' at every tick.
            _incidents = o.Incidents.Where(i => i.MachineId == m.Id).ToArray();
        }

        public string Id => _m.Id;

        /// <summary>What the anomaly planner needs: the reasons normal history uses and the repair time.</summary>
        public AnomalyPlanner.MachinePlan PlanInput => new(
            _m.Id, _failureReasons,
            new HashSet<string>(_failureReasons.Concat(new[] { _microReason, _setupReason, _startupReason }.OfType<string>()), StringComparer.Ordinal),
            _profile.Mttr);

        /// <summary>Injected stops come after the options' incidents, which win where both apply.</summary>
        public void Inject(IEnumerable<Incident> injected) => _incidents = [.. _incidents, .. injected];

        private string? Product => _products.Length > 0 ? _products[_productIndex % _products.Length] : null;

        /// <summary>A changeover: to the next product the machine makes, if it reports products.</summary>
        private void Changeover(DateTimeOffset until, DateTimeOffset now, List<MachineEvent> events)
        {
            _productIndex++;
            Enter(MachineState.Setup, _setupReason, until, now, events, Product);
        }

        public void Start(DateTimeOffset now, List<MachineEvent> events)
        {
            _nextCount = now + _o.CountInterval;
            var status = _plant.Calendar.StatusAt(now);
            if (status == PlannedStatus.Production)
            {
                Enter(MachineState.Running, null, DateTimeOffset.MaxValue, now, events, Product);
            }
            else
            {
                _plannedReason = PlannedReason(status);
                Enter(MachineState.PlannedStop, _plannedReason, DateTimeOffset.MaxValue, now, events, Product);
            }

            if (_m.CountMode == CountMode.Cumulative)
            {
                // The simulated PLC powers up with cleared counters. Starting from a random reading
                // would look like a jump in production to MS5 whenever the simulator restarts.
                _goodTotal = 0;
                _rejectTotal = _goodTotal / 50;
                events.Add(MachineEvent.Counters(NewId(now), _m.Id, now, _goodTotal, _rejectTotal));
            }
        }

        public void Step(DateTimeOffset now, List<MachineEvent> events)
        {
            var tick = _o.Tick.TotalSeconds;
            if (_state == MachineState.Running)
            {
                _cycles += tick / _m.IdealCycle.For(Product).TotalSeconds * _profile.SpeedFactor;
            }

            if (now >= _nextCount)
            {
                EmitCount(now, events);
                _nextCount = now + _o.CountInterval;
            }

            var incident = _incidents.FirstOrDefault(i => now >= i.Start && now < i.Start + i.Duration);
            if (incident is not null)
            {
                if (_incidentReason != incident.Reason || _state != MachineState.Down)
                {
                    _incidentReason = incident.Reason;
                    Enter(MachineState.Down, incident.Reason, incident.Start + incident.Duration, now, events);
                }

                return;
            }

            _incidentReason = null;
            var status = _plant.Calendar.StatusAt(now);
            if (status != PlannedStatus.Production)
            {
                var reason = PlannedReason(status);
                if (_state != MachineState.PlannedStop || _plannedReason != reason)
                {
                    _plannedReason = reason;
                    Enter(MachineState.PlannedStop, reason, DateTimeOffset.MaxValue, now, events);
                }

                return;
            }

            if (_state == MachineState.PlannedStop)
            {
                // Shift start: most shifts begin with a short changeover.
                if (_setupReason is not null && _rng.NextDouble() < 0.3)
                {
                    Changeover(now + Minutes(5, 15), now, events);
                }
                else
                {
                    Enter(MachineState.Running, null, DateTimeOffset.MaxValue, now, events);
                }

                return;
            }

            if (_state != MachineState.Running)
            {
                if (now >= _until)
                {
                    // After a changeover, plants that mark start-up periods run a few minutes of warm-up.
                    var warmup = _state == MachineState.Setup && _startupReason is not null;
                    _warmupUntil = warmup ? now + Minutes(3, 8) : DateTimeOffset.MinValue;
                    Enter(MachineState.Running, warmup ? _startupReason : null, DateTimeOffset.MaxValue, now, events);
                }

                return;
            }

            if (_warmupUntil != DateTimeOffset.MinValue && now >= _warmupUntil)
            {
                _warmupUntil = DateTimeOffset.MinValue;
                Enter(MachineState.Running, null, DateTimeOffset.MaxValue, now, events);
                return;
            }

            if (Chance(_profile.Mtbf) && _failureReasons.Length > 0)
            {
                var repair = TimeSpan.FromSeconds(Math.Max(30, -Math.Log(1 - _rng.NextDouble()) * _profile.Mttr.TotalSeconds));
                Enter(MachineState.Down, _failureReasons[_rng.Next(_failureReasons.Length)], now + repair, now, events);
            }
            else if (Chance(_o.MeanTimeBetweenMicroStops))
            {
                Enter(MachineState.Idle, _microReason, now + TimeSpan.FromSeconds(_rng.Next(5, 90)), now, events);
            }
            else if (_setupReason is not null && Chance(_o.MeanTimeBetweenSetups))
            {
                Changeover(now + Minutes(10, 25), now, events);
            }
        }

        private void EmitCount(DateTimeOffset now, List<MachineEvent> events)
        {
            var parts = (long)_cycles;
            _cycles -= parts;
            long reject = 0;
            for (var i = 0; i < parts; i++)
            {
                // Start-up is where the scrap is: three times the usual reject rate while warming up.
                var rate = _warmupUntil != DateTimeOffset.MinValue ? Math.Min(1, 3 * _profile.RejectRate) : _profile.RejectRate;
                if (_rng.NextDouble() < rate)
                {
                    reject++;
                }
            }

            var good = parts - reject;
            if (_m.CountMode == CountMode.Cumulative)
            {
                if (_rng.NextDouble() < _o.CounterResetsPerHour * _o.CountInterval.TotalHours)
                {
                    _goodTotal = 0;
                    _rejectTotal = 0;
                }

                _goodTotal += good;
                _rejectTotal += reject;
                events.Add(MachineEvent.Counters(NewId(now), _m.Id, now, _goodTotal, _rejectTotal));
            }
            else if (parts > 0)
            {
                events.Add(MachineEvent.Counts(NewId(now), _m.Id, now, good, reject));
            }
        }

        private void Enter(MachineState state, string? reason, DateTimeOffset until, DateTimeOffset now, List<MachineEvent> events, string? product = null)
        {
            if (state != MachineState.Running)
            {
                _warmupUntil = DateTimeOffset.MinValue;
            }

            _state = state;
            _until = until;
            events.Add(MachineEvent.StateChange(NewId(now), _m.Id, now, state, reason, product));
        }

        private bool Chance(TimeSpan mean) => _rng.NextDouble() < _o.Tick.TotalSeconds / mean.TotalSeconds;

        private TimeSpan Minutes(int min, int max) => TimeSpan.FromSeconds(_rng.Next(min * 60, max * 60));

        private static string PlannedReason(PlannedStatus s) => s switch
        {
            PlannedStatus.Break => "break",
            PlannedStatus.Holiday => "holiday",
            PlannedStatus.Maintenance => "maintenance",
            _ => "no_shift",
        };

        /// <summary>A UUIDv7 (time-ordered, so the historian's index stays compact) whose random bits come from the seeded RNG.</summary>
        private Guid NewId(DateTimeOffset ts)
        {
            Span<byte> b = stackalloc byte[16];
            _rng.NextBytes(b);
            var ms = ts.ToUnixTimeMilliseconds();
            b[0] = (byte)(ms >> 40);
            b[1] = (byte)(ms >> 32);
            b[2] = (byte)(ms >> 24);
            b[3] = (byte)(ms >> 16);
            b[4] = (byte)(ms >> 8);
            b[5] = (byte)ms;
            b[6] = (byte)(0x70 | (b[6] & 0x0F));
            b[8] = (byte)(0x80 | (b[8] & 0x3F));
            return new Guid(b, bigEndian: true);
        }
    }
}
