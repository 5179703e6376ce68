"""Tokens a real client could present: one signed long ago by the right key."""
from itsdangerous import URLSafeTimedSerializer

SALT = "cs-gateway.visitor"


def token_signed_long_ago(secret_key: str, visitor_id: str) -> str:
    serializer = URLSafeTimedSerializer(secret_key, salt=SALT)
    signer = serializer.make_signer(SALT)
    signer.get_timestamp = lambda: 1_000_000  # 1970
    return signer.sign(serializer.dump_payload({"v": visitor_id})).decode()
