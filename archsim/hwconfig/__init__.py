"""archsim.hwconfig package."""
