-- Coverage by identity over from_date..to_date, in one pass over the table: every key the
-- schedule expects (the registry's expected-rows rule: teams of every game, players who
-- played from deduplicated box scores, or players rostered as of the date) is
-- matched to the table's rows by key, and every stored hash is recomputed from its row with
-- the SQL path's own expression. output = 'dates': one row per date with the counts;
-- output = 'keys': one row per problem key (missing, unexpected, drifted, unhashed, old_spec,
-- malformed, duplicate), the first key_limit of each kind, named for a reader. (key_limit is
-- rendered: the emulator cannot bind a parameter in this query.)
with games as (
    -- tables of played games expect final games only; contexts every scheduled game
    select distinct
        game_id,
        game_date,
        home_team_abbr,
        away_team_abbr
    from `{{ params.schedule_id }}`
    where
        game_date between @from_date and @to_date
        and not is_postponed{% if params.final_only %} and game_status = 3{% endif %}
),

expected as (
    {% if params.rule == "teams" %}
    -- one row per side of every game
    select distinct
        games.game_date,
        games.game_id,
        side as team_abbr
    from games
    cross join unnest([games.home_team_abbr, games.away_team_abbr]) as side
    {% elif params.rule == "rostered" %}
    -- one row per player on either team's roster as of the game date (known before tip-off)
    select distinct
        games.game_date,
        games.game_id,
        stints.player_id
    from games
    cross join unnest([games.home_team_abbr, games.away_team_abbr]) as side
    inner join `{{ params.rosters_id }}` as stints
        on
            side = stints.team_abbr
            and games.game_date >= stints.valid_from
            and games.game_date <= coalesce(stints.valid_to, games.game_date)
    {% else %}
    -- one row per player who played, from the box score (a scraper repeat counts once)
    select distinct
        box.game_date,
        box.game_id,
        box.player_id
    from `{{ params.player_boxscores_id }}` as box
    inner join games
        on box.game_id = games.game_id and box.game_date = games.game_date
    where box.player_id is not null and box.minutes > 0
    {% endif %}
),

stored as (
    select
        game_date,
        game_id,
        {{ params.entity }},
        data_hash,
        hash_spec_version,
        {{ params.hash_expression }} as recomputed,
        coalesce(regexp_contains(data_hash, @hash_pattern), false) as well_formed,
        (game_id is null or {{ params.entity }} is null) as null_key
    from `{{ params.table_id }}`
    where game_date between @from_date and @to_date
),

stored_keys as (
    select
        game_date,
        game_id,
        {{ params.entity }},
        count(*) as copies,
        countif(data_hash is null) as unhashed,
        countif(data_hash is not null and coalesce(hash_spec_version, -1) != @spec_version) as old_spec,
        countif(data_hash is not null and not well_formed) as malformed,
        countif(hash_spec_version = @spec_version and well_formed and data_hash != recomputed) as drifted,
        countif(hash_spec_version = @spec_version and well_formed and data_hash = recomputed) as hashed,
        min(data_hash) as data_hash,
        min(recomputed) as recomputed
    from stored
    where not null_key
    group by game_date, game_id, {{ params.entity }}
),

matched as (
    select
        coalesce(expected.game_date, stored_keys.game_date) as game_date,
        coalesce(expected.game_id, stored_keys.game_id) as game_id,
        coalesce(expected.{{ params.entity }}, stored_keys.{{ params.entity }}) as entity,
        expected.game_id is not null as is_expected,
        stored_keys.game_id is not null as is_stored,
        coalesce(stored_keys.copies, 0) as copies,
        coalesce(stored_keys.unhashed, 0) as unhashed,
        coalesce(stored_keys.old_spec, 0) as old_spec,
        coalesce(stored_keys.malformed, 0) as malformed,
        coalesce(stored_keys.drifted, 0) as drifted,
        coalesce(stored_keys.hashed, 0) as hashed,
        stored_keys.data_hash,
        stored_keys.recomputed
    from expected
    full outer join stored_keys
        on
            expected.game_date = stored_keys.game_date
            and expected.game_id = stored_keys.game_id
            and expected.{{ params.entity }} = stored_keys.{{ params.entity }}
),

{% if params.output == "dates" %}
null_keys as (
    select
        game_date,
        count(*) as null_keys
    from stored
    where null_key
    group by game_date
),

by_date as (
    select
        game_date,
        countif(is_expected) as expected_rows,
        sum(copies) as keyed_rows,
        countif(is_expected and is_stored) as present,
        countif(is_expected and not is_stored) as missing,
        countif(is_stored and not is_expected) as unexpected,
        sum(if(is_expected and copies = 1, hashed, 0)) as hashed,
        sum(unhashed) as unhashed,
        sum(old_spec) as old_spec,
        sum(malformed) as malformed,
        sum(drifted) as drifted,
        sum(greatest(copies - 1, 0)) as duplicates
    from matched
    group by game_date
)

select
    coalesce(by_date.game_date, null_keys.game_date) as game_date,
    coalesce(by_date.expected_rows, 0) as expected_rows,
    coalesce(by_date.keyed_rows, 0) + coalesce(null_keys.null_keys, 0) as actual_rows,
    coalesce(by_date.present, 0) as present,
    coalesce(by_date.missing, 0) as missing,
    coalesce(by_date.unexpected, 0) as unexpected,
    coalesce(by_date.hashed, 0) as hashed,
    coalesce(by_date.unhashed, 0) as unhashed,
    coalesce(by_date.old_spec, 0) as old_spec,
    coalesce(by_date.malformed, 0) as malformed,
    coalesce(by_date.drifted, 0) as drifted,
    coalesce(by_date.duplicates, 0) as duplicates,
    coalesce(null_keys.null_keys, 0) as null_keys
from by_date
full outer join null_keys
    on by_date.game_date = null_keys.game_date
order by game_date
{% else %}
classified as (
    select
        game_date,
        game_id,
        entity,
        data_hash,
        recomputed,
        case
            when is_expected and not is_stored then 'missing'
            when is_stored and not is_expected then 'unexpected'
            when copies > 1 then 'duplicate'
            when unhashed > 0 then 'unhashed'
            when old_spec > 0 then 'old_spec'
            when malformed > 0 then 'malformed'
            when drifted > 0 then 'drifted'
        end as problem
    from matched
),

problems as (
    select
        classified.*,  -- noqa: AM04
        row_number() over (
            partition by classified.problem
            order by classified.game_date, classified.game_id, classified.entity
        ) as nth
    from classified
    where classified.problem is not null
),

first_problems as (
    select *  -- noqa: AM04
    from problems
    where nth <= {{ params.key_limit | int }}
)

select
    first_problems.problem,
    first_problems.game_date,
    first_problems.game_id,
    cast(first_problems.entity as string) as entity,
    {% if params.entity == "player_id" %}
    players.player_name as name,
    {% else %}
    teams.city || ' ' || teams.nickname as name,
    {% endif %}
    first_problems.data_hash,
    first_problems.recomputed
from first_problems
{% if params.entity == "player_id" %}
left join `{{ params.players_id }}` as players
    on first_problems.entity = players.player_id
{% else %}
left join `{{ params.teams_id }}` as teams
    on first_problems.entity = teams.team_abbr
{% endif %}
order by first_problems.problem, first_problems.game_date, first_problems.game_id, first_problems.entity
{% endif %}
