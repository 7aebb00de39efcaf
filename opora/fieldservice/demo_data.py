"""Demo field service: technicians in Moscow and Ekaterinburg with their skills, a repair work
order booked with the nearest qualified technician (awaiting the customer's confirmation) and an
installation in Ekaterinburg waiting for dispatch."""

from datetime import datetime, time

from opora.accounts.models import Role, User
from opora.tickets.models import Ticket

from . import services
from .models import ServiceArea, Skill, Technician

SKILLS = [
    ("printers", "Принтеры и МФУ", "Printers and MFPs"),
    ("networks", "Сети", "Networks"),
    ("installation", "Монтаж", "Installation"),
]
AREAS = [
    ("Москва", "Moscow", 55.7558, 37.6173, "Europe/Moscow"),
    ("Зеленоград", "Zelenograd", 55.9825, 37.1814, "Europe/Moscow"),
    ("Екатеринбург", "Ekaterinburg", 56.8389, 60.6057, "Asia/Yekaterinburg"),
]
# username, first, last, base area, covered areas, skills
TECHNICIANS = [
    ("pavel", "Павел", "Орлов", "Москва", ["Москва"], ["printers", "networks"]),
    ("yuri", "Юрий", "Зайцев", "Зеленоград", ["Зеленоград", "Москва"], ["printers"]),
    ("oleg", "Олег", "Лебедев", "Москва", ["Москва", "Зеленоград"], ["installation", "networks"]),
    ("ilya", "Илья", "Волков", "Екатеринбург", ["Екатеринбург"], ["printers", "installation"]),
    ("artem", "Артём", "Белов", "Екатеринбург", ["Екатеринбург"], ["networks"]),
]


def seed(now: datetime) -> str:
    skills = {
        code: Skill.objects.create(code=code, name=name, name_en=name_en)
        for code, name, name_en in SKILLS
    }
    areas = {
        name: ServiceArea.objects.create(
            name=name, name_en=name_en, latitude=lat, longitude=lon, time_zone=zone
        )
        for name, name_en, lat, lon, zone in AREAS
    }
    for username, first, last, base, covered, codes in TECHNICIANS:
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@opora.localhost",
            role=Role.AGENT,
        )
        user.set_password("opora-demo")
        user.save()
        technician = Technician.objects.create(
            user=user, base_area=areas[base], work_start=time(9), work_end=time(18)
        )
        technician.areas.set([areas[name] for name in covered])
        technician.skills.set([skills[code] for code in codes])

    dispatcher = User.objects.get(username="lead")
    unsolved = Ticket.objects.filter(status__in=["new", "open"]).order_by("pk")
    repair_ticket, install_ticket = unsolved[0], unsolved[1]
    repair = services.create_work_order(
        repair_ticket,
        dispatcher,
        services.NewWorkOrder(
            "repair",
            "Принтер не захватывает бумагу: заменить ролик подачи, проверить фьюзер.",
            areas["Москва"],
            "Москва, ул. Тверская, 7, офис 12",
            [skills["printers"]],
            duration_minutes=90,
        ),
    )
    best = services.proposals(repair, now=now)[0]
    services.book(repair, dispatcher, best.technician, best.proposal.slot.start, now=now)
    services.create_work_order(
        install_ticket,
        dispatcher,
        services.NewWorkOrder(
            "installation",
            "Установить и подключить новое МФУ в переговорной.",
            areas["Екатеринбург"],
            "Екатеринбург, ул. Малышева, 51",
            [skills["installation"]],
            duration_minutes=180,
        ),
    )
    return (
        f"Seeded {len(TECHNICIANS)} technicians and 2 work orders "
        f"(WO-{repair.pk} booked with {best.technician.user.username}, awaiting confirmation; "
        f"technicians log in as pavel/yuri/oleg/ilya/artem)"
    )
