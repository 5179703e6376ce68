import pytest
from pydantic import ValidationError

from gateway.config import Settings


def test_defaults_follow_the_contract(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    settings = Settings()
    assert settings.gateway_database_url == "sqlite+aiosqlite:///./data/gateway.db"
    assert settings.gateway_first_response_sla_seconds == 600
    assert settings.gateway_redis_url is None and settings.telegram_bot_token is None


def test_a_dot_env_file_is_read_and_the_environment_wins(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("GATEWAY_FIRST_RESPONSE_SLA_SECONDS=300\nTELEGRAM_BOT_TOKEN=1:from-file\n")
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:from-env")
    settings = Settings()
    assert settings.gateway_first_response_sla_seconds == 300
    assert settings.telegram_bot_token == "1:from-env"


def test_the_secret_key_is_generated_once_and_kept(tmp_path):
    settings = Settings(gateway_data_dir=tmp_path, _env_file=None)
    key = settings.secret_key()
    assert len(key) >= 40 and Settings(gateway_data_dir=tmp_path, _env_file=None).secret_key() == key
    assert (tmp_path / "secret.key").stat().st_mode & 0o077 == 0


def test_a_webhook_needs_a_secret_telegram_accepts():
    with pytest.raises(ValidationError, match="TELEGRAM_WEBHOOK_SECRET"):
        Settings(telegram_webhook_url="https://shop.example/telegram/webhook", _env_file=None)
    with pytest.raises(ValidationError, match="telegram_webhook_secret"):
        Settings(telegram_webhook_url="https://shop.example/hook", telegram_webhook_secret="has spaces", _env_file=None)
    Settings(telegram_webhook_url="https://shop.example/hook", telegram_webhook_secret="ok_Secret-1", _env_file=None)


def test_a_malformed_bot_token_is_refused_before_anything_starts():
    with pytest.raises(ValidationError, match="telegram_bot_token"):
        Settings(telegram_bot_token="not-a-token", _env_file=None)


def test_service_hours_default_to_always_open_and_a_mistake_stops_start_up():
    clocks = Settings(_env_file=None).service_clocks()
    assert clocks.hours.always_open and (clocks.first_response, clocks.major_complaint) == ("service", "wall")
    configured = Settings(gateway_service_hours="mon-sun 09:00-22:00", gateway_service_timezone="Asia/Shanghai",
                          gateway_holidays="2026-10-01,2026-10-02", _env_file=None).service_clocks()
    assert configured.hours.to_dict()["holidays"] == ["2026-10-01", "2026-10-02"]
    for bad in ({"gateway_service_hours": "mon-sun 9-22"}, {"gateway_service_timezone": "Nowhere/Town"},
                {"gateway_holidays": "tomorrow"}):
        with pytest.raises(ValidationError, match="GATEWAY_SERVICE_HOURS, GATEWAY_SERVICE_TIMEZONE or GATEWAY_HOLIDAYS"):
            Settings(_env_file=None, **bad)
    with pytest.raises(ValidationError, match="gateway_major_complaint_clock"):
        Settings(gateway_major_complaint_clock="sometimes", _env_file=None)
