"""Human-readable failure messages in the languages apimart clients ask for (`?language=`)."""

from __future__ import annotations

LANGUAGES = ("en", "zh", "ko", "ja")

# error code -> language -> summary. English keeps the recorded message alone.
_SUMMARIES: dict[str, dict[str, str]] = {
    "invalid_input": {
        "zh": "输入内容无法使用",
        "ko": "입력을 사용할 수 없습니다",
        "ja": "入力を使用できません",
    },
    "internal_error": {
        "zh": "服务内部错误",
        "ko": "내부 서버 오류",
        "ja": "内部サーバーエラー",
    },
    "provider_error": {
        "zh": "视频生成服务出错",
        "ko": "영상 생성 서비스 오류",
        "ja": "動画生成サービスのエラー",
    },
    "generation_failed": {
        "zh": "视频生成失败",
        "ko": "영상 생성 실패",
        "ja": "動画の生成に失敗しました",
    },
}
_FALLBACK = _SUMMARIES["generation_failed"]


def localize(code: str | None, message: str, language: str) -> str:
    """The recorded English `message`, prefixed with a summary in `language`."""
    if language not in LANGUAGES or language == "en":
        return message
    summary = _SUMMARIES.get(code or "", _FALLBACK)[language]
    return f"{summary}: {message}"
